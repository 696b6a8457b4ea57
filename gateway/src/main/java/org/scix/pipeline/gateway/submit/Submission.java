package org.scix.pipeline.gateway.submit;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Records that must reach Kafka together (a job and its Pending, or a cancel request), already
 * serialized. It is either sent (inside a transaction, whose real outcome its caller then hears)
 * or, if its deadline passes first, expired and never sent: the two cannot both happen.
 */
final class Submission {
  private enum State { QUEUED, SENT, EXPIRED }

  private final String jobId;
  private final String what;
  private final List<ProducerRecord<String, Object>> records;
  private final CompletableFuture<Void> acknowledged = new CompletableFuture<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
  private final long queuedAtNanos = System.nanoTime();

  private final JobStatus pending;

  /** @param pending the job's Pending among the records; null for a cancel request or a dead-letter marker */
  Submission(String jobId, String what, List<ProducerRecord<String, Object>> records, JobStatus pending) {
    this.jobId = jobId;
    this.what = what;
    this.records = records;
    this.pending = pending;
  }

  /** A job (counted as submitted), not a cancel request or a dead-letter marker. */
  boolean isJob() {
    return pending != null;
  }

  /** The job's Pending event, as serialized into {@link #records}; null if not a job. */
  JobStatus pending() {
    return pending;
  }

  String jobId() {
    return jobId;
  }

  /** When it was queued ({@link System#nanoTime}): its deadline counts from here. */
  long queuedAtNanos() {
    return queuedAtNanos;
  }

  String what() {
    return what;
  }

  List<ProducerRecord<String, Object>> records() {
    return records;
  }

  /** Completes once the transaction holding the records committed; fails with {@link SubmissionFailedException}. */
  CompletableFuture<Void> acknowledged() {
    return acknowledged;
  }

  /** Claims it for a transaction; false if it already expired (its caller was told it was not accepted). */
  boolean markSent() {
    return state.compareAndSet(State.QUEUED, State.SENT);
  }

  /** Gives up on it if it was not sent yet, telling its caller; a sent one keeps waiting for its real outcome. */
  void expireIfQueued(String reason) {
    if (state.compareAndSet(State.QUEUED, State.EXPIRED)) {
      acknowledged.completeExceptionally(SubmissionFailedException.notAccepted(reason, null));
    }
  }
}
