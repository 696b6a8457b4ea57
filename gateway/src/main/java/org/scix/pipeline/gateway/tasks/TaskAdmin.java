package org.scix.pipeline.gateway.tasks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.gateway.audit.AuditLog;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.input.taskenum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses and resumes tasks and sets their concurrency limits: the one writer of task controls on the control topic (through the
 * submitter's transactional lanes), answering from what the control topic says ({@link
 * ControlState}), so every replica shows the same. A change returns once this replica has read it
 * back, so a list right after it shows it. Each action goes to the audit log with who asked.
 */
public final class TaskAdmin {
  private static final Logger log = LoggerFactory.getLogger(TaskAdmin.class);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  /** The most a concurrency limit may be (a worker's thread count is far below). */
  public static final int MAX_CONCURRENCY = 10_000;

  /** A task, whether (since when, by whom) it is paused, and its concurrency limit per worker (null: none). */
  public record TaskView(String task, boolean paused, Instant pausedAt, String pausedBy, Integer concurrency) {}

  private final ControlState controls;
  private final JobSubmitter submitter;
  private final AuditLog audit;
  private final String controlTopic;
  private final Clock clock;

  public TaskAdmin(ControlState controls, JobSubmitter submitter, AuditLog audit, String controlTopic, Clock clock) {
    this.controls = controls;
    this.submitter = submitter;
    this.audit = audit;
    this.controlTopic = controlTopic;
    this.clock = clock;
  }

  /** Every task a job can name, paused or not. */
  public List<TaskView> list() {
    List<TaskView> tasks = new ArrayList<>();
    for (String task : taskNames()) {
      tasks.add(view(task));
    }
    return tasks;
  }

  /**
   * Pauses or resumes {@code task} (pausing a paused task, or resuming a running one, changes nothing and says so).
   *
   * @throws InvalidRequestException if no job can name {@code task}
   * @throws OperationTimeoutException if the write or its read-back took too long (it may still take effect)
   */
  public TaskView setPaused(String task, boolean paused, String by) throws Exception {
    String name = checked(task);
    String who = by == null || by.isBlank() ? "unknown" : by.strip();
    if (controls.isPaused(name) == paused) {
      log.info("task {} already {} ({} asked again)", name, paused ? "paused" : "running", who);
      return view(name);
    }
    String what = "task " + name + (paused ? " paused" : " resumed");
    write(name, what, paused ? TaskControls.paused(controlTopic, name, clock.millis(), who) : TaskControls.resumed(controlTopic, name),
        () -> controls.isPaused(name) == paused);
    audit.record(who, paused ? "task pause" : "task resume", name, null);
    return view(name);
  }

  /**
   * Sets {@code task}'s concurrency limit per worker ({@code null}: lifts it); workers apply it to
   * the next jobs they start (running ones go on).
   *
   * @throws InvalidRequestException if no job can name {@code task}, or the limit is not 1 to {@value #MAX_CONCURRENCY}
   */
  public TaskView setConcurrency(String task, Integer concurrency, String by) throws Exception {
    String name = checked(task);
    if (concurrency != null && (concurrency < 1 || concurrency > MAX_CONCURRENCY)) {
      throw new InvalidRequestException("concurrency: a limit is 1 to " + MAX_CONCURRENCY + " (null lifts it), not " + concurrency);
    }
    String who = by == null || by.isBlank() ? "unknown" : by.strip();
    String what = "task " + name + (concurrency == null ? ": concurrency limit lifted" : ": at most " + concurrency + " job(s) at once per worker");
    write(name, what, TaskControls.limited(controlTopic, name, concurrency, clock.millis(), who), () -> {
      TaskControls.Limit limit = controls.limit(name);
      return concurrency == null ? limit == null : limit != null && limit.concurrency() == concurrency;
    });
    audit.record(who, "task limit", name, concurrency == null ? "no limit" : "at most " + concurrency + " per worker");
    return view(name);
  }

  /** Writes a control record and waits until this replica has read it back. */
  private void write(String task, String what, ProducerRecord<String, Object> record, BooleanSupplier readBack) throws Exception {
    submitter.write(task, what, record).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
    while (!readBack.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new OperationTimeoutException(what + ": written but not read back within " + WRITE_TIMEOUT.toSeconds()
            + " s; list the tasks again to see it");
      }
      Thread.sleep(20);
    }
  }

  private TaskView view(String task) {
    TaskControls.Pause pause = controls.pausedTasks().get(task);
    TaskControls.Limit limit = controls.limit(task);
    Integer concurrency = limit == null ? null : limit.concurrency();
    return pause == null ? new TaskView(task, false, null, null, concurrency)
        : new TaskView(task, true, pause.atMillis() > 0 ? Instant.ofEpochMilli(pause.atMillis()) : null, pause.by(), concurrency);
  }

  private static String checked(String task) {
    if (task != null && taskNames().contains(task)) {
      return task;
    }
    throw new InvalidRequestException("unknown task '" + task + "': one of " + String.join(", ", taskNames()));
  }

  /** The tasks a job can name (MONITOR is the monitor call's, not a task). */
  static List<String> taskNames() {
    return Arrays.stream(taskenum.values()).filter(t -> t != taskenum.MONITOR).map(Enum::name).toList();
  }
}
