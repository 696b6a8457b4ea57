package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.worker.runner.InFlightJobs.CommitPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what is due, one transaction at a time, on its own commit thread, so the poll thread
 * never waits for a commit: it cuts a batch (with the group metadata of that moment, which fences
 * the transaction by the generation the batch was cut in), hands it to the commit thread and goes
 * on polling and starting jobs. What finishes meanwhile goes into the next batch, cut as soon as
 * this one has ended (or, with a commit interval, once the interval is up or a full batch waits),
 * with at most {@code maxJobs} jobs' results.
 *
 * <p>The outcome is taken back on the poll thread, which alone touches the bookkeeping: an aborted
 * transaction is simply written again (nothing is forgotten before it commits); one whose outcome
 * is unknown is settled first, so no job's results are ever written twice; a fenced writer stops
 * the loop. Revocation and shutdown first wait for the commit in flight ({@link #commitNow}).
 */
final class DueCommits {
  private static final Logger log = LoggerFactory.getLogger(DueCommits.class);

  private final InFlightJobs jobs;
  private final BatchWriter batches;
  private final Consumer<String, byte[]> consumer;
  private final WorkerMetrics metrics;
  private final Executor commitThread;
  private final long intervalNanos;
  private final int maxJobs;
  private InFlight inFlight; // poll thread only
  private boolean inDoubt; // a commit's outcome is unknown and not settled yet: nothing is written until it is
  private long lastCutNanos = System.nanoTime() - Long.MAX_VALUE / 2;

  /** A batch handed to the commit thread, and how its transaction ended (null: committed). */
  private record InFlight(CommitBatch batch, CompletableFuture<RuntimeException> outcome) {}

  /**
   * @param commitThread where transactions run; {@code Runnable::run} commits on the poll thread (tests)
   * @param interval a batch is cut at most this often (zero: as soon as the previous commit ended),
   *     or sooner once {@code maxJobs} finished jobs are due
   * @param maxJobs the most finished jobs one transaction carries: a record's wait for its commit
   *     grows with the transaction, so a burst is written as several
   */
  DueCommits(InFlightJobs jobs, BatchWriter batches, Consumer<String, byte[]> consumer, WorkerMetrics metrics, Executor commitThread,
      Duration interval, int maxJobs) {
    this.jobs = jobs;
    this.batches = batches;
    this.consumer = consumer;
    this.metrics = metrics;
    this.commitThread = commitThread;
    this.intervalNanos = interval.toNanos();
    this.maxJobs = maxJobs;
  }

  /** True while a transaction runs on the commit thread. */
  boolean isCommitting() {
    return inFlight != null;
  }

  /**
   * One turn: takes back the outcome of a commit that ended, then hands the next batch to the
   * commit thread if nothing is in flight and a batch is due. Never waits.
   */
  void commitDue() {
    if (inFlight != null && inFlight.outcome().isDone()) {
      settle(inFlight);
    }
    if (inFlight == null && settleInDoubt()) {
      long now = System.nanoTime();
      CommitBatch batch = jobs.due(maxJobs);
      boolean due = now - lastCutNanos >= intervalNanos || batch.finished().size() >= maxJobs;
      if (!batch.isEmpty() && due) {
        lastCutNanos = now;
        start(batch, consumer.groupMetadata());
      }
    }
  }

  /** Waits for the commit in flight, then commits everything due now and waits for that too (revocation: nothing is left behind). */
  void commitNow() {
    awaitInFlight();
    if (!settleInDoubt()) {
      log.warn("a commit's outcome is still unknown; nothing more is committed before the partitions are handed back");
      return;
    }
    CommitBatch batch = jobs.due();
    if (!batch.isEmpty()) {
      start(batch, consumer.groupMetadata());
      awaitInFlight();
    }
  }

  /** Waits for the commit in flight, if any, and takes back its outcome. */
  void awaitInFlight() {
    if (inFlight != null) {
      inFlight.outcome().join();
      settle(inFlight);
    }
  }

  /** On the way out after a failure: waits a bounded time for a commit in flight so the producer is not closed under it. */
  void awaitInFlightQuietly(Duration timeout) {
    if (inFlight != null) {
      try {
        inFlight.outcome().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("the commit in flight did not end within {} ms: {}", timeout.toMillis(), e.toString());
      }
      inFlight = null;
    }
  }

  private void start(CommitBatch batch, ConsumerGroupMetadata group) {
    CompletableFuture<RuntimeException> outcome = new CompletableFuture<>();
    inFlight = new InFlight(batch, outcome);
    Thread pollThread = Thread.currentThread();
    commitThread.execute(() -> {
      long began = System.nanoTime();
      try {
        batches.write(batch, group);
        outcome.complete(null);
      } catch (RuntimeException e) {
        outcome.complete(e);
      } catch (Error e) {
        outcome.completeExceptionally(e); // the poll thread stops on it rather than wait for ever
        throw e;
      } finally {
        metrics.transactionTook(System.nanoTime() - began);
        if (Thread.currentThread() != pollThread) {
          wakeUp(); // the poll thread takes the outcome back and cuts the next batch now
        }
      }
    });
    if (outcome.isDone()) {
      settle(inFlight); // committed on this thread: take the outcome back at once
    }
  }

  private void wakeUp() {
    try {
      consumer.wakeup();
    } catch (RuntimeException e) {
      log.debug("could not wake the poll thread (closing?): {}", e.toString());
    }
  }

  private void settle(InFlight done) {
    inFlight = null;
    RuntimeException failure;
    try {
      failure = done.outcome().join();
    } catch (CompletionException e) {
      failure = new IllegalStateException("the commit thread failed: " + e.getCause(), e.getCause());
    }
    if (failure == null) {
      jobs.committed(done.batch());
      metrics.committed(done.batch());
    } else if (failure instanceof TransactionalWriter.Aborted e) {
      // The broker refused some job's record: that job alone ends Error; the rest is written again next turn.
      batches.takeUnwritable().forEach((execution, reason) -> {
        log.warn("job {}: its results cannot be written ({}); it ends in Error", execution.jobId(), reason);
        execution.resultUnwritable("results could not be written: " + reason);
      });
      log.warn("transaction failed, will retry: {}", e.getMessage());
    } else if (failure instanceof SerializationException e) {
      log.warn("cannot serialize the batch yet, will retry: {}", e.getMessage());
    } else if (failure instanceof TransactionalWriter.OutcomeUnknown e) {
      log.warn("transaction outcome unknown, settling it before writing again: {}", e.getMessage());
      inDoubt = true;
      settleInDoubt();
    } else {
      throw failure; // fenced, or a bug: the loop stops
    }
  }

  /**
   * Settles a commit whose outcome is in doubt, if there is one; returns whether nothing is in doubt now. Until it is settled, the
   * records of its batch count as neither committed nor uncommitted: none is written again, and a
   * partition that leaves meanwhile hands them back (its next owner reads what really committed).
   * A failure to settle (Kafka unreachable, a timeout) is tried again next turn; fencing stops the loop.
   */
  private boolean settleInDoubt() {
    if (!inDoubt) {
      return true;
    }
    try {
      settleUnknownOutcome();
      inDoubt = false;
      return true;
    } catch (TransactionalWriter.Fenced e) {
      throw e;
    } catch (RuntimeException e) {
      log.warn("cannot settle the commit in doubt yet, will retry: {}", e.toString());
      return false;
    }
  }

  /**
   * A commit whose outcome is unknown may have happened. A new producer settles it (its
   * initTransactions completes or aborts the transaction in doubt); then the committed offsets
   * and their metadata say which records committed, and those leave without being written again.
   */
  private void settleUnknownOutcome() {
    batches.init();
    Map<TopicPartition, CommitPoint> committed = new HashMap<>();
    Consumers.committed(consumer, consumer.assignment()).forEach((partition, offset) -> {
      if (offset != null) {
        committed.put(partition, new CommitPoint(offset.offset(), offset.metadata()));
      }
    });
    List<JobExecution> done = jobs.settle(committed);
    if (!done.isEmpty()) {
      log.info("{} record(s) turned out committed; not written again", done.size());
      metrics.ended(done);
    }
  }
}
