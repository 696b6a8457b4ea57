package org.scix.pipeline.worker.runner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, times and logs what the worker committed: each job's end, retries, jobs in flight. A job
 * that fails or is cancelled gets an INFO line; a start and a success only a DEBUG one (a line per
 * no-op job cost more CPU than the job), and at most every {@link #SUMMARY_INTERVAL} an INFO line
 * sums up what ended meanwhile.
 */
final class WorkerMetrics {
  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);

  private final Counter succeeded;
  private final Counter failed;
  private final Counter retried;
  private final Counter deadLettered;
  private final Counter cancelled;
  private final Timer duration;
  private final Counter transactions;
  private final Timer transactionDuration;
  private final AtomicInteger inFlight = new AtomicInteger();
  static final Duration SUMMARY_INTERVAL = Duration.ofSeconds(30);
  // Jobs ended since the last summary line (poll thread only).
  private long succeededSinceSummary;
  private long failedSinceSummary;
  private long cancelledSinceSummary;
  private long lastSummaryNanos = System.nanoTime();

  WorkerMetrics(MeterRegistry metrics) {
    this.succeeded = Counter.builder("pipeline.jobs.succeeded").register(metrics);
    this.failed = Counter.builder("pipeline.jobs.failed").register(metrics);
    this.retried = Counter.builder("pipeline.jobs.retried").register(metrics);
    this.deadLettered = Counter.builder("pipeline.jobs.dead_lettered").register(metrics);
    this.cancelled = Counter.builder("pipeline.jobs.cancelled").register(metrics);
    this.duration = Timer.builder("pipeline.job.duration").description("Receive to terminal commit").publishPercentileHistogram()
        .register(metrics);
    metrics.gauge("pipeline.jobs.in_flight", inFlight);
    this.transactions = Counter.builder("pipeline.worker.transactions").description("Transactions committed (each carries the results of"
        + " one or more jobs)").register(metrics);
    this.transactionDuration = Timer.builder("pipeline.worker.transaction.duration").description("Each commit attempt, from beginning"
        + " the transaction to its commit or failure: a finished job waits for the one in flight, then for its own")
        .publishPercentileHistogram().register(metrics);
  }

  /** A commit attempt took this long (any thread). */
  void transactionTook(long nanos) {
    transactionDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  void inFlight(int records) {
    inFlight.set(records);
  }

  /** A batch committed: its retry announcements and the ends of its finished jobs. */
  void committed(CommitBatch batch) {
    transactions.increment();
    for (CommitBatch.Announcement announcement : batch.announcements()) {
      JobExecution execution = announcement.execution();
      if (announcement.attempt() == 1) {
        log.debug("job {} processing (task {}, {}@{})", execution.jobId(), execution.job().getTask(), execution.partition(),
            execution.offset());
      } else {
        retried.increment();
      }
    }
    batch.finished().forEach(this::ended);
    summarizeIfDue();
  }

  private void summarizeIfDue() {
    long now = System.nanoTime();
    if (now - lastSummaryNanos < SUMMARY_INTERVAL.toNanos()) {
      return;
    }
    if (succeededSinceSummary + failedSinceSummary + cancelledSinceSummary > 0) {
      log.info("jobs ended in the last {} s: {} succeeded, {} failed, {} cancelled", Duration.ofNanos(now - lastSummaryNanos).toSeconds(),
          succeededSinceSummary, failedSinceSummary, cancelledSinceSummary);
    }
    succeededSinceSummary = 0;
    failedSinceSummary = 0;
    cancelledSinceSummary = 0;
    lastSummaryNanos = now;
  }

  /** Jobs whose results turned out committed by a transaction whose outcome had been unknown. */
  void ended(List<JobExecution> executions) {
    executions.forEach(this::ended);
  }

  private void ended(JobExecution execution) {
    Outcome outcome = execution.outcome();
    if (!outcome.writes()) {
      return;
    }
    execution.endSpan(outcome.errorReason());
    duration.record(System.nanoTime() - execution.receivedNanos(), TimeUnit.NANOSECONDS);
    if (outcome.deadLetter()) {
      deadLettered.increment();
    }
    if (outcome.success()) {
      succeeded.increment();
      succeededSinceSummary++;
      log.debug("job {} succeeded after {} attempt(s), {} output record(s)", execution.jobId(), outcome.attempts(), outcome.outputs().size());
    } else if (JobExecution.CANCELLED.equals(outcome.errorReason())) {
      cancelled.increment();
      cancelledSinceSummary++;
      log.info("job {} ended cancelled", execution.jobId());
    } else {
      failed.increment();
      failedSinceSummary++;
      log.info("job {} failed: {}{}", execution.jobId(), outcome.errorReason(), outcome.deadLetter() ? " (dead-lettered)" : "");
    }
  }
}
