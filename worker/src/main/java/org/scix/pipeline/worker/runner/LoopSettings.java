package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.Map;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * How the worker's poll loop paces itself.
 *
 * @param concurrency tasks running at once
 * @param waitingPerPartition received jobs waiting for a task thread at which a partition is
 *     paused (resumed at half); bounds memory while polling goes on for cancel requests
 * @param drainTimeout how long a stopping worker lets running jobs finish before handing them back
 * @param revocationWait how long a revoked partition's running jobs may finish before they are
 *     handed back; must stay well under the consumer's max.poll.interval.ms, or the worker is
 *     thrown out of the group and loses all its partitions
 * @param deadlines per task: how long one run may take before the job ends Error {@code timed out}
 *     (zero or absent: no deadline)
 * @param workerName written into every status event this worker writes
 * @param processingDelay Processing is written only for a job still running this long after it
 *     was dispatched; a job that ends sooner goes from Pending to its terminal status in one commit.
 *     Zero writes every attempt's Processing as soon as it starts.
 * @param commitInterval a transaction is begun at most this often; zero begins the next as soon as
 *     the previous one ended (what finished meanwhile shares it)
 * @param commitMaxJobs the most finished jobs one transaction carries (a full batch also begins without waiting out the interval)
 */
public record LoopSettings(int concurrency, int waitingPerPartition, Duration drainTimeout, Duration revocationWait,
    Map<taskenum, Duration> deadlines, String workerName, Duration processingDelay, Duration commitInterval, int commitMaxJobs) {

  public LoopSettings {
    if (commitInterval.isNegative() || commitMaxJobs < 1) {
      throw new IllegalArgumentException("commit interval must be >= 0 and max jobs >= 1, got " + commitInterval + " and "
          + commitMaxJobs);
    }
  }

  /** A transaction as soon as the previous one ended, with at most {@code concurrency} jobs (the worker's defaults). */
  public LoopSettings(int concurrency, int waitingPerPartition, Duration drainTimeout, Duration revocationWait,
      Map<taskenum, Duration> deadlines, String workerName, Duration processingDelay) {
    this(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay, Duration.ZERO, concurrency);
  }

  /** Every attempt's Processing is written (no delay). */
  public LoopSettings(int concurrency, int waitingPerPartition, Duration drainTimeout, Duration revocationWait,
      Map<taskenum, Duration> deadlines, String workerName) {
    this(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, Duration.ZERO);
  }

  Duration deadline(JobExecution execution) {
    return execution.isJob() ? deadlines.getOrDefault(execution.job().getTask(), Duration.ZERO) : Duration.ZERO;
  }
}
