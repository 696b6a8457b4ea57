package org.scix.pipeline.worker.runner;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import io.opentelemetry.api.trace.SpanKind;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;

/**
 * One input record on its way through a worker. The poll thread owns the bookkeeping fields;
 * the task thread reports through {@link #outcome} and {@link #attemptsStarted}.
 */
final class JobExecution {
  static final String CANCELLED = ControlRecords.CANCELLED_REASON;
  final TopicPartition partition;
  final long offset;
  final ConsumerRecord<String, byte[]> record;
  final String jobId;
  final TemplateInput job;
  final String undecodableReason;
  final long receivedNanos = System.nanoTime();
  final ConcurrentLinkedQueue<Integer> attemptsStarted = new ConcurrentLinkedQueue<>();
  volatile Outcome outcome;
  volatile boolean abandoned;
  volatile boolean cancelled;

  volatile boolean started; // the task began on a pool thread

  // Poll-thread state.
  boolean processingWritten;
  boolean skipped; // cancelled before it was dispatched: no Processing, straight to Error
  Future<?> running;
  Tracing.JobSpan span; // a job's span, from receipt to its terminal commit
  private boolean control;

  private JobExecution(ConsumerRecord<String, byte[]> record, String jobId, TemplateInput job, String undecodableReason) {
    this.partition = new TopicPartition(record.topic(), record.partition());
    this.offset = record.offset();
    this.record = record;
    this.jobId = jobId;
    this.job = job;
    this.undecodableReason = undecodableReason;
    if (undecodableReason != null) {
      outcome = Outcome.deadLetter(undecodableReason, 0);
    }
  }

  static JobExecution decoded(ConsumerRecord<String, byte[]> record, TemplateInput job) {
    JobExecution execution = new JobExecution(record, job.getHash() != null ? job.getHash() : record.key(), job, null);
    var parent = record.headers().lastHeader(Tracing.TRACEPARENT);
    execution.span = Tracing.start("run job", SpanKind.CONSUMER,
        parent == null ? null : new String(parent.value(), java.nio.charset.StandardCharsets.US_ASCII), execution.jobId);
    return execution;
  }

  /** The traceparent for this job's status events: the job's span, or whatever the record carried. */
  String traceparent() {
    if (span != null) {
      return span.traceparent();
    }
    var header = record.headers().lastHeader(Tracing.TRACEPARENT);
    return header == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.US_ASCII);
  }

  void endSpan(String errorReason) {
    if (span != null) {
      span.end(errorReason);
      span = null;
    }
  }

  /** A control record (see {@code ControlRecords}): nothing to run or write, only its offset to commit in order. */
  static JobExecution control(ConsumerRecord<String, byte[]> record) {
    JobExecution execution = new JobExecution(record, record.key(), null, null);
    execution.control = true;
    execution.outcome = Outcome.nothing();
    return execution;
  }

  static JobExecution undecodable(ConsumerRecord<String, byte[]> record, String reason) {
    return new JobExecution(record, record.key(), null, reason);
  }

  boolean isPoison() {
    return undecodableReason != null;
  }

  boolean isControl() {
    return control;
  }

  /** True while this job still needs its task run or finished (not done, not a poison or control record). */
  boolean isUnfinishedJob() {
    return outcome == null;
  }

  /** A job whose Processing status is still to be written (poison and control records have none). */
  boolean needsProcessingEvent() {
    return job != null && !control && !skipped && !processingWritten;
  }

  /** Handed back (revoked partition, drain timeout): the task should stop; its result will not be written. */
  void abandon() {
    abandoned = true;
    endSpan("handed back to the group");
    if (running != null) {
      running.cancel(true);
    }
  }

  /** The task should stop or not start; a job not yet started ends here and now. */
  void cancel() {
    cancelled = true;
    if (running == null) {
      skipped = true;
      outcome = Outcome.error(CANCELLED, 0);
    } else if (running.cancel(true) && !started) {
      outcome = Outcome.error(CANCELLED, 0); // queued in the pool: it will never run now
    } // else running: interrupted; the task executor reports it cancelled
  }

  /** How a job ended. {@code deadLetter} means: copy the input record to the dead-letter topic. */
  record Outcome(boolean success, String errorReason, boolean deadLetter, int attempts, List<TemplateOutput> outputs) {
    static Outcome success(int attempts, List<TemplateOutput> outputs) {
      return new Outcome(true, null, false, attempts, outputs);
    }

    static Outcome error(String reason, int attempts) {
      return new Outcome(false, reason, false, attempts, List.of());
    }

    static Outcome deadLetter(String reason, int attempts) {
      return new Outcome(false, reason, true, attempts, List.of());
    }

    /** A control record's outcome: it writes nothing. */
    static Outcome nothing() {
      return new Outcome(false, null, false, 0, List.of());
    }
  }
}
