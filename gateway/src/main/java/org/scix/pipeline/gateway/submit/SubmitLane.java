package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane: a thread that takes whatever is queued and writes it in one transaction of its own
 * producer (group commit), then answers the batch's callers on the completions executor, never on
 * its own thread, and goes on to the next batch.
 */
final class SubmitLane {
  private static final Logger log = LoggerFactory.getLogger(SubmitLane.class);
  private static final Duration POLL = Duration.ofMillis(100);

  /** What a lane reports to its submitter. */
  interface Outcomes {
    /** Whether lanes go on taking submissions: while running, and after a close until the queue is drained; never once fenced. */
    boolean keepGoing();

    /** Whether the last transaction attempt reached Kafka. */
    void reachable(boolean reachable);

    /** Another replica took over this one's transactional id: nothing more may be written. */
    void fenced(TransactionalWriter.Fenced e);
  }

  private final TransactionalWriter writer;
  private final SubmitQueue queue;
  private final OwnPendings ownPendings;
  private final Outcomes outcomes;
  private final Executor completions;
  private final Counter submitted;
  private final DistributionSummary batchSizes;
  private final Timer transactionDuration;
  private final Thread thread;

  SubmitLane(int lane, TransactionalWriter writer, SubmitQueue queue, OwnPendings ownPendings, Outcomes outcomes, Executor completions,
      Counter submitted, DistributionSummary batchSizes, Timer transactionDuration) {
    this.writer = writer;
    this.queue = queue;
    this.ownPendings = ownPendings;
    this.outcomes = outcomes;
    this.completions = completions;
    this.submitted = submitted;
    this.batchSizes = batchSizes;
    this.transactionDuration = transactionDuration;
    this.thread = new Thread(this::run, "job-submitter-" + lane);
  }

  /** Initialises the producer (fencing a predecessor with its transactional id) for the topics it writes. */
  void init(List<String> topics) {
    writer.init(topics);
  }

  void start() {
    thread.start();
  }

  /** Waits for the lane to finish what was queued (bounded by the producer's timeouts), then closes its producer. */
  void join(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
  }

  void closeWriter() {
    writer.close(Duration.ofSeconds(5));
  }

  private void run() {
    try {
      takeAndWrite();
    } finally {
      queue.failAll(SubmissionFailedException.notAccepted(
          "gateway is not accepting jobs (shutting down, or fenced by another replica with its instance id)", null));
    }
  }

  private void takeAndWrite() {
    while (outcomes.keepGoing()) {
      SubmitQueue.Batch batch;
      try {
        batch = queue.takeBatch(this, POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (batch == null) {
        continue;
      }
      try {
        writeInOneTransaction(batch);
      } catch (TransactionalWriter.Fenced e) {
        outcomes.fenced(e); // first: a caller told "fenced" then finds the replica unreachable
        batch.submissions.forEach(s -> s.acknowledged().completeExceptionally(SubmissionFailedException.notAccepted(
            "this gateway replica was fenced by another with its instance id; retry on another replica", e)));
        return;
      } finally {
        queue.release(this);
      }
    }
  }

  private void writeInOneTransaction(SubmitQueue.Batch taken) {
    List<Submission> batch = new ArrayList<>(taken.submissions);
    long began = System.nanoTime();
    try {
      writer.write(transaction -> {
        // Claimed only now, with the transaction open: one that expired meanwhile was already answered.
        batch.removeIf(s -> !s.markSent());
        taken.sentAtNanos = System.nanoTime();
        batch.stream().filter(Submission::isJob).forEach(s -> ownPendings.writing(s.jobId(), s.pending()));
        batch.forEach(s -> s.records().forEach(transaction::send));
      });
    } catch (TransactionalWriter.Aborted e) {
      transactionDuration.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
      log.warn("submit transaction of {} job(s) failed, nothing of it is visible: {}", batch.size(), e.getMessage());
      ownPendings.notWritten(batch.stream().map(Submission::jobId).toList());
      outcomes.reachable(false);
      completions.execute(() -> batch.forEach(s -> s.acknowledged().completeExceptionally(
          SubmissionFailedException.notAccepted("Kafka did not take the job: " + e.getMessage(), e))));
      return;
    } catch (TransactionalWriter.OutcomeUnknown e) {
      transactionDuration.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
      log.warn("submit transaction of {} job(s): commit outcome unknown: {}", batch.size(), e.getMessage());
      outcomes.reachable(false);
      completions.execute(() -> batch.forEach(s -> s.acknowledged().completeExceptionally(
          SubmissionFailedException.outcomeUnknown(s.jobId(), e))));
      return;
    }
    transactionDuration.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
    outcomes.reachable(true);
    batchSizes.record(batch.size());
    submitted.increment(batch.stream().filter(Submission::isJob).count());
    if (log.isDebugEnabled()) {
      batch.forEach(s -> log.debug("job {} {}", s.jobId(), s.what()));
    }
    completions.execute(() -> batch.forEach(s -> s.acknowledged().complete(null)));
  }
}
