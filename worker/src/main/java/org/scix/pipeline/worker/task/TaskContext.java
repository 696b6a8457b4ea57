package org.scix.pipeline.worker.task;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.output.taskenum;

/**
 * What a task sees of its job: the request, the attempt, a way to emit output, a way to report
 * progress (which is also its heartbeat), a cancellation signal.
 */
public final class TaskContext {
  /** The longest progress message kept; longer ones are cut. */
  public static final int MAX_MESSAGE_LENGTH = 200;

  /** Where a task's progress goes (the worker: published as Processing events, at most one a second per job). */
  @FunctionalInterface
  public interface ProgressListener {
    void progress(long done, long total, String message);

    ProgressListener NONE = (done, total, message) -> { };
  }

  private final String jobId;
  private final TemplateInput job;
  private final int attempt;
  private final BooleanSupplier cancelled;
  private final List<TemplateOutput> outputs = new ArrayList<>();
  private final ProgressListener progress;
  private long lastDone;
  private long lastTotal;
  private String lastMessage;

  public TaskContext(String jobId, TemplateInput job, int attempt, BooleanSupplier cancelled) {
    this(jobId, job, attempt, cancelled, ProgressListener.NONE);
  }

  public TaskContext(String jobId, TemplateInput job, int attempt, BooleanSupplier cancelled, ProgressListener progress) {
    this.jobId = jobId;
    this.job = job;
    this.attempt = attempt;
    this.cancelled = cancelled;
    this.progress = progress;
  }

  /**
   * Reports how far the task is: {@code done} of {@code total} (0: unknown total) and a short
   * message (at most {@value #MAX_MESSAGE_LENGTH} characters kept; may be null). Callers see it as
   * Processing events, the latest at most once a second; it also counts as a heartbeat.
   *
   * @throws IllegalArgumentException for a negative figure, or done above a known total
   */
  public synchronized void progress(long done, long total, String message) {
    if (done < 0 || total < 0 || (total > 0 && done > total)) {
      throw new IllegalArgumentException("progress: done and total must be >= 0 and done <= total (or total 0), got " + done + " of "
          + total);
    }
    lastDone = done;
    lastTotal = total;
    lastMessage = message == null || message.length() <= MAX_MESSAGE_LENGTH ? message : message.substring(0, MAX_MESSAGE_LENGTH);
    progress.progress(lastDone, lastTotal, lastMessage);
  }

  /** Tells the worker the task is alive, without new progress (a task with a heartbeat timeout must call this, or progress, in time). */
  public synchronized void heartbeat() {
    progress.progress(lastDone, lastTotal, lastMessage);
  }

  public String jobId() {
    return jobId;
  }

  public TemplateInput job() {
    return job;
  }

  /** 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  /** True once the job was cancelled or the worker is shutting down past its drain timeout. */
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /**
   * Emits one output record. Outputs are written to the output topic in the same Kafka
   * transaction as the job's terminal status, so they appear exactly once, and only on Success.
   */
  public synchronized void emit(String recordId, String recordData) {
    outputs.add(TemplateOutput.newBuilder()
        .setRecordId(recordId).setRecordData(recordData)
        .setTask(taskenum.valueOf(job.getTask().name())).build());
  }

  public synchronized List<TemplateOutput> outputs() {
    return List.copyOf(outputs);
  }
}
