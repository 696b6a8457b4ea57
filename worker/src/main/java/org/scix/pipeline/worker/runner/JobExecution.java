package org.scix.pipeline.worker.runner;

import io.opentelemetry.api.trace.SpanKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.schemas.input.TemplateInput;

/**
 * One input record on its way through a worker: a job, a control record (cancel) or a record that
 * could not be decoded. It changes state only through its methods. The poll thread dispatches,
 * cancels, hands back and records what was announced; the task thread reports attempts and the
 * outcome.
 */
final class JobExecution {
  static final String CANCELLED = ControlRecords.CANCELLED_REASON;

  private final TopicPartition partition;
  private final long offset;
  private final ConsumerRecord<String, byte[]> record;
  private final String jobId;
  private final TemplateInput job;
  private final boolean control;
  private final long receivedNanos = System.nanoTime();

  // Written by the task thread (or by the poll thread before dispatch), read by both.
  private volatile Outcome outcome;
  private volatile int latestAttempt; // 0 until dispatched; then the attempt the task is on
  private volatile boolean taskStarted;
  private volatile long startedNanos;
  private volatile long startedAtMillis; // wall clock, for the status events' started_time
  private long dispatchedNanos; // poll thread only
  private volatile boolean abandoned;
  private volatile boolean cancelled;
  private volatile boolean timedOut;
  private volatile Progress progress; // the task's latest report, null before any
  private volatile long lastSignNanos; // when the task started or last reported (its heartbeat)
  private volatile List<JobExecution> cancelTargets = List.of(); // a cancel record: the job records it cancelled
  private volatile boolean carriesOutControlCancel; // cancelled on the control topic: its end tombstones that

  // Poll thread only.
  private int announcedAttempt; // the last attempt whose Processing status is committed
  private long publishedProgress; // the version of the last progress committed
  private long progressPublishedNanos = System.nanoTime() - Long.MAX_VALUE / 4;
  private Future<?> task;
  private Tracing.JobSpan span; // a job's span, from receipt to its terminal commit

  private JobExecution(ConsumerRecord<String, byte[]> record, String jobId, TemplateInput job, boolean control, Outcome outcome) {
    this.partition = new TopicPartition(record.topic(), record.partition());
    this.offset = record.offset();
    this.record = record;
    this.jobId = jobId;
    this.job = job;
    this.control = control;
    this.outcome = outcome;
  }

  static JobExecution job(ConsumerRecord<String, byte[]> record, TemplateInput job) {
    JobExecution execution = new JobExecution(record, job.getHash(), job, false, null);
    execution.span = Tracing.start("run job", SpanKind.CONSUMER, ControlRecords.traceparent(record.headers()), execution.jobId);
    return execution;
  }

  /** A control record (see {@code ControlRecords}): nothing to run or write, only its offset to commit in order. */
  static JobExecution control(ConsumerRecord<String, byte[]> record) {
    return new JobExecution(record, record.key(), null, true, Outcome.nothing());
  }

  /** A record that is not a job: dead-lettered with {@code reason}; its key, if a job id, still gets an Error. */
  static JobExecution undecodable(ConsumerRecord<String, byte[]> record, String reason) {
    return new JobExecution(record, record.key(), null, false, Outcome.deadLetter(reason, 0));
  }

  TopicPartition partition() {
    return partition;
  }

  long offset() {
    return offset;
  }

  ConsumerRecord<String, byte[]> record() {
    return record;
  }

  /** The batch the job was submitted in, or null. */
  String batchId() {
    return BatchRecords.batchId(record.headers());
  }

  String jobId() {
    return jobId;
  }

  /** Its id was drawn at random by the gateway (see {@link ControlRecords#FRESH_ID}): no second record of it can exist. */
  boolean hasFreshId() {
    return record.headers().lastHeader(ControlRecords.FRESH_ID) != null;
  }

  /** The decoded job; null for control and undecodable records. */
  TemplateInput job() {
    return job;
  }

  boolean isJob() {
    return job != null;
  }

  boolean isControl() {
    return control;
  }

  long receivedNanos() {
    return receivedNanos;
  }

  /** Null until the job ended. */
  Outcome outcome() {
    return outcome;
  }

  /**
   * Ended. A cancel record ends only once the job it cancelled has: committing its offset as done
   * earlier would tell the partition's next owner the cancel was dealt with while its job still
   * runs (a task that ignores the interrupt), and that owner would run the job again without it.
   */
  boolean isFinished() {
    if (outcome == null) {
      return false;
    }
    for (JobExecution target : cancelTargets) {
      if (!target.isFinished()) {
        return false;
      }
    }
    return true;
  }

  /** Its task was handed to the pool and has not ended: it holds (or waits for) a task thread. */
  boolean isRunning() {
    return task != null && outcome == null;
  }

  /** Its task began on a task thread and has not ended. */
  boolean isStartedAndUnfinished() {
    return taskStarted && outcome == null;
  }

  /** When its task began on a task thread (System.nanoTime). */
  long startedNanos() {
    return startedNanos;
  }

  /** When it was handed to the task pool (System.nanoTime). */
  long dispatchedNanos() {
    return dispatchedNanos;
  }

  /** When its task first began (epoch millis); 0 if it never did. */
  long startedAtMillis() {
    return startedAtMillis;
  }

  /** The task should stop: cancelled, past its deadline, or handed back to the group. */
  boolean shouldStop() {
    return cancelled || timedOut || abandoned;
  }

  boolean isCancelled() {
    return cancelled;
  }

  // --- poll thread ---

  /** The job's task was handed to the pool; its first attempt's Processing is now due. */
  void dispatched(Future<?> task) {
    this.task = task;
    this.dispatchedNanos = System.nanoTime();
    this.latestAttempt = 1;
  }

  /**
   * The task should stop or not start. A job not yet dispatched, or still queued in the pool,
   * ends here (Error {@value #CANCELLED}); a running one is interrupted and its runner reports it.
   */
  void cancel() {
    cancelled = true;
    if (task == null) {
      finish(Outcome.error(CANCELLED, 0));
    } else if (task.cancel(true) && !taskStarted) {
      finish(Outcome.error(CANCELLED, 0)); // queued in the pool: it will never run now
    }
  }

  /**
   * Cancelled on the control topic (while its task was paused): as {@link #cancel}, and its end
   * also tombstones that record, so the control topic keeps only cancels still to carry out.
   */
  void cancelFromControlTopic() {
    carriesOutControlCancel = true;
    cancel();
  }

  /** Ended parked: copied to the parked topic, to run once its task is resumed. */
  boolean isParked() {
    Outcome ended = outcome;
    return ended != null && ended.park();
  }

  /**
   * It ended (any outcome but parked) while a cancel of it waits on the control topic: its end
   * tombstones that record too, whoever's cancel or end came first.
   */
  void carryOutControlCancel() {
    if (isFinished() && !isParked() && outcome.writes()) {
      carriesOutControlCancel = true;
    }
  }

  /** Whether its end must tombstone its cancel on the control topic. */
  boolean carriesOutControlCancel() {
    return carriesOutControlCancel;
  }

  /** This cancel record ends only once {@code targets} (the records of the job it cancelled) have. */
  void cancels(List<JobExecution> targets) {
    cancelTargets = List.copyOf(targets);
  }

  /**
   * Its task is paused: a job that has not been handed to a task thread ends parked (copied to the
   * parked topic with its offset); a cancel record that found no job here follows its job there.
   *
   * @return whether it is parked now (false: the job already started or ended)
   */
  synchronized boolean park() {
    if (control && cancelTargets.stream().allMatch(JobExecution::isParked)) {
      // Its job is not here or was parked: the cancel follows it (after it, on its parked partition).
      outcome = Outcome.parked(); // a control record's outcome is set at birth: nothing, until it is forwarded
      return true;
    }
    if (task != null || outcome != null) {
      return false;
    }
    endSpan(null);
    outcome = Outcome.parked();
    return true;
  }

  /** Its job already ran (an earlier record of it, or this record before a restart): only its offset is committed. */
  void skip() {
    endSpan(null);
    finish(Outcome.nothing());
  }

  /**
   * Past its task's deadline: it ends Error now and its task thread is interrupted. The worker
   * no longer counts that thread, so a task that ignores the interrupt holds no slot.
   */
  void timeOut(Duration deadline) {
    finish(Outcome.error("timed out after " + deadline.toMillis() + " ms", Math.max(1, latestAttempt)));
    // Only now is the task told to stop (isCancelled(), no further attempt): told first, it could
    // return normally and have its Success, without its outputs, win the race for the outcome.
    timedOut = true;
    if (task != null) {
      task.cancel(true);
    }
  }

  /** Handed back (revoked partition, drain timeout): the task should stop; its result will not be written. */
  void abandon() {
    abandoned = true;
    endSpan("handed back to the group");
    if (task != null) {
      task.cancel(true);
    }
  }

  /** The attempts whose Processing status is due: after the last committed one, up to the current. */
  int firstUnannouncedAttempt() {
    return announcedAttempt + 1;
  }

  int latestAttempt() {
    return latestAttempt;
  }

  /** Processing up to {@code attempt} is committed. */
  void announced(int attempt) {
    announcedAttempt = Math.max(announcedAttempt, attempt);
  }

  /** A task's progress report; {@code version} counts reports, so a repeat of the same figures (a heartbeat) is not published again. */
  record Progress(long done, long total, String message, long version) {
    boolean sameFiguresAs(Progress other) {
      return other != null && done == other.done && total == other.total && java.util.Objects.equals(message, other.message);
    }
  }

  /** Task thread: the task reported progress (or a heartbeat, the same figures again). */
  void reportProgress(long done, long total, String message) {
    lastSignNanos = System.nanoTime();
    Progress last = progress;
    Progress next = new Progress(done, total, message, last == null ? 1 : last.version() + 1);
    if (!next.sameFiguresAs(last)) {
      progress = next;
    }
  }

  /** When the task last gave a sign of life: its start, or its last progress or heartbeat (System.nanoTime). */
  long lastSignNanos() {
    return lastSignNanos;
  }

  /** Progress to publish now: newer than the last committed, and at least {@code intervalNanos} after it; else null. */
  Progress progressDue(long nowNanos, long intervalNanos) {
    Progress latest = progress;
    if (latest == null || latest.version() <= publishedProgress || nowNanos - progressPublishedNanos < intervalNanos) {
      return null;
    }
    return latest;
  }

  /** {@code published} is committed. */
  void progressPublished(Progress published, long nowNanos) {
    if (published.version() > publishedProgress) {
      publishedProgress = published.version();
      progressPublishedNanos = nowNanos;
    }
  }

  /**
   * No heartbeat for longer than {@code timeout}: it ends Error now, as past a deadline, and its
   * task thread is interrupted and no longer counted.
   */
  void heartbeatLost(Duration timeout) {
    String after = timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    finish(Outcome.error("no heartbeat for " + after, Math.max(1, latestAttempt)));
    timedOut = true;
    if (task != null) {
      task.cancel(true);
    }
  }

  /** The traceparent for this job's status events: the job's span, or whatever the record carried. */
  String traceparent() {
    return span != null ? span.traceparent() : ControlRecords.traceparent(record.headers());
  }

  void endSpan(String errorReason) {
    if (span != null) {
      span.end(errorReason);
      span = null;
    }
  }

  // --- task thread (finish also from the poll thread, on cancel) ---

  void taskStarted() {
    startedNanos = System.nanoTime();
    lastSignNanos = startedNanos;
    startedAtMillis = System.currentTimeMillis();
    taskStarted = true;
  }

  /** A retry began: its Processing status is due. */
  void attemptStarted(int attempt) {
    lastSignNanos = System.nanoTime(); // a retry's heartbeat clock starts afresh
    latestAttempt = attempt;
  }

  /** Its results cannot be written (too large, refused by the broker): it ends Error with the reason instead. */
  synchronized void resultUnwritable(String reason) {
    outcome = Outcome.error(reason, outcome == null ? 1 : Math.max(1, outcome.attempts()));
  }

  /** The first outcome wins (a cancel racing the task's own end). */
  synchronized void finish(Outcome result) {
    if (outcome == null) {
      outcome = result;
    }
  }
}
