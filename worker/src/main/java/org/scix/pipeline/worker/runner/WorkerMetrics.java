package org.scix.pipeline.worker.runner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts, times and logs what the worker committed: each job's end, retries, jobs in flight. */
final class WorkerMetrics {
  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);

  private final Counter succeeded;
  private final Counter failed;
  private final Counter retried;
  private final Counter deadLettered;
  private final Counter cancelled;
  private final Timer duration;
  private final AtomicInteger inFlight = new AtomicInteger();

  WorkerMetrics(MeterRegistry metrics) {
    this.succeeded = Counter.builder("pipeline.jobs.succeeded").register(metrics);
    this.failed = Counter.builder("pipeline.jobs.failed").register(metrics);
    this.retried = Counter.builder("pipeline.jobs.retried").register(metrics);
    this.deadLettered = Counter.builder("pipeline.jobs.dead_lettered").register(metrics);
    this.cancelled = Counter.builder("pipeline.jobs.cancelled").register(metrics);
    this.duration = Timer.builder("pipeline.job.duration").description("Receive to terminal commit").publishPercentileHistogram()
        .register(metrics);
    metrics.gauge("pipeline.jobs.in_flight", inFlight);
  }

  void inFlight(int records) {
    inFlight.set(records);
  }

  /** A batch committed: its retry announcements and the ends of its finished jobs. */
  void committed(CommitBatch batch) {
    for (CommitBatch.Announcement announcement : batch.announcements()) {
      JobExecution execution = announcement.execution();
      if (announcement.attempt() == 1) {
        log.info("job {} processing (task {}, {}@{})", execution.jobId(), execution.job().getTask(), execution.partition(),
            execution.offset());
      } else {
        retried.increment();
      }
    }
    batch.finished().forEach(this::ended);
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
      log.info("job {} succeeded after {} attempt(s), {} output record(s)", execution.jobId(), outcome.attempts(), outcome.outputs().size());
    } else if (JobExecution.CANCELLED.equals(outcome.errorReason())) {
      cancelled.increment();
      log.info("job {} ended cancelled", execution.jobId());
    } else {
      failed.increment();
      log.info("job {} failed: {}{}", execution.jobId(), outcome.errorReason(), outcome.deadLetter() ? " (dead-lettered)" : "");
    }
  }
}
