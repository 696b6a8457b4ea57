package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.Map;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * How the worker's poll loop paces itself. Built from configuration with {@link #from}, or from
 * {@link #defaults} and the {@code with...} methods (tests, embedding): never by position.
 *
 * @param concurrency tasks running at once
 * @param waitingPerPartition received records waiting for a task thread or for their commit at
 *     which a partition is paused (resumed at half); bounds memory and read-ahead while polling
 *     goes on for cancel requests
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
 * @param interactivePerBulk while jobs of both priorities wait for a task thread, this many
 *     interactive jobs start for each bulk one: interactive work goes first, bulk never starves
 * @param heartbeatTimeouts per task: how long a running job may go without progress or a
 *     heartbeat before it ends Error {@code no heartbeat for N s} (zero or absent: no timeout)
 * @param progressInterval a running job's progress is published at most this often (the latest wins)
 * @param duplicateWindow how long, in record time, the id of a committed job whose id can repeat
 *     (idempotency key, replay, schedule tick, batch entry) is kept to skip a second record of it;
 *     must exceed the gateways' submit transaction timeout (two replicas racing on one key commit
 *     at most that far apart)
 */
public record LoopSettings(int concurrency, int waitingPerPartition, Duration drainTimeout, Duration revocationWait,
    Map<taskenum, Duration> deadlines, String workerName, Duration processingDelay, Duration commitInterval, int commitMaxJobs,
    int interactivePerBulk, Map<taskenum, Duration> heartbeatTimeouts, Duration progressInterval, Duration duplicateWindow) {
  public static final String CONCURRENCY = "WORKER_CONCURRENCY";
  public static final String MAX_WAITING_PER_PARTITION = "WORKER_MAX_WAITING_PER_PARTITION";
  public static final String DRAIN_TIMEOUT = "WORKER_DRAIN_TIMEOUT_MS";
  public static final String PROCESSING_DELAY = "PROCESSING_STATUS_DELAY_MS";
  public static final String COMMIT_INTERVAL = "WORKER_COMMIT_INTERVAL_MS";
  public static final String COMMIT_MAX_JOBS = "WORKER_COMMIT_MAX_JOBS";
  public static final String INTERACTIVE_PER_BULK = "WORKER_INTERACTIVE_PER_BULK";
  public static final String PROGRESS_INTERVAL = "WORKER_PROGRESS_INTERVAL_MS";
  public static final String DUPLICATE_WINDOW = "WORKER_DUPLICATE_WINDOW_MS";
  /** The longest a revoked partition's jobs may go on (the consumer's max.poll.interval.ms caps it lower). */
  private static final Duration MAX_REVOCATION_WAIT = Duration.ofSeconds(20);

  public LoopSettings {
    if (interactivePerBulk < 1) {
      throw new IllegalArgumentException("interactive per bulk must be >= 1, got " + interactivePerBulk);
    }
    if (concurrency < 1 || waitingPerPartition < 1 || commitMaxJobs < 1 || commitInterval.isNegative()) {
      throw new IllegalArgumentException("concurrency, waiting per partition and commit max jobs must be >= 1 and the commit interval"
          + " >= 0, got " + concurrency + ", " + waitingPerPartition + ", " + commitMaxJobs + " and " + commitInterval);
    }
    deadlines = Map.copyOf(deadlines);
    heartbeatTimeouts = Map.copyOf(heartbeatTimeouts);
  }

  /**
   * @param maxPollInterval the consumer's {@code max.poll.interval.ms}: a revoked partition's jobs get a third of it at most
   * @param deadlines each task's deadline (the tasks' settings own them)
   * @param heartbeatTimeouts each task's heartbeat timeout (the tasks' settings own them)
   */
  public static LoopSettings from(Settings s, String workerName, Duration maxPollInterval, Map<taskenum, Duration> deadlines,
      Map<taskenum, Duration> heartbeatTimeouts) {
    int concurrency = s.integer(CONCURRENCY, 16, 1, 4096);
    Duration drain = s.duration(DRAIN_TIMEOUT, Duration.ofSeconds(30), Duration.ZERO);
    return new LoopSettings(concurrency,
        // Enough waiting jobs that a freed thread never waits for a poll, few enough to bound memory.
        s.integer(MAX_WAITING_PER_PARTITION, Math.max(16, 4 * concurrency), 1, 1_000_000),
        drain,
        min(min(drain, MAX_REVOCATION_WAIT), maxPollInterval.dividedBy(3)),
        deadlines,
        workerName,
        s.duration(PROCESSING_DELAY, Duration.ofMillis(100), Duration.ZERO),
        s.duration(COMMIT_INTERVAL, Duration.ZERO, Duration.ZERO),
        // Measured (docs/benchmarks.md): every record waits for its whole transaction, so a burst
        // written 200 jobs at a time reached streams 5x later than 16 at a time.
        s.integer(COMMIT_MAX_JOBS, concurrency, 1, 100_000),
        s.integer(INTERACTIVE_PER_BULK, 4, 1, 1_000_000),
        heartbeatTimeouts,
        s.duration(PROGRESS_INTERVAL, Duration.ofSeconds(1), Duration.ZERO),
        // Six times the gateways' default submit transaction timeout (10 s), for clock skew between them.
        s.duration(DUPLICATE_WINDOW, Duration.ofSeconds(60), Duration.ofSeconds(1)));
  }

  /** Concurrency 1, 8 waiting per partition, 1 s drain, 200 ms revocation wait, no deadlines, every Processing written, a transaction per turn. */
  public static LoopSettings defaults(String workerName) {
    return new LoopSettings(1, 8, Duration.ofSeconds(1), Duration.ofMillis(200), Map.of(), workerName, Duration.ZERO, Duration.ZERO, 1, 4,
        Map.of(), Duration.ZERO, Duration.ofSeconds(60));
  }

  /** This concurrency, and as many jobs per transaction. */
  public LoopSettings withConcurrency(int tasks) {
    return new LoopSettings(tasks, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay, commitInterval,
        tasks, interactivePerBulk, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withWaitingPerPartition(int waiting) {
    return new LoopSettings(concurrency, waiting, drainTimeout, revocationWait, deadlines, workerName, processingDelay, commitInterval,
        commitMaxJobs, interactivePerBulk, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withDeadlines(Map<taskenum, Duration> taskDeadlines) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, taskDeadlines, workerName, processingDelay,
        commitInterval, commitMaxJobs, interactivePerBulk, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withProcessingDelay(Duration delay) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, delay, commitInterval,
        commitMaxJobs, interactivePerBulk, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withCommits(Duration interval, int maxJobs) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay, interval,
        maxJobs, interactivePerBulk, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withInteractivePerBulk(int interactive) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay,
        commitInterval, commitMaxJobs, interactive, heartbeatTimeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withHeartbeatTimeouts(Map<taskenum, Duration> timeouts) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay,
        commitInterval, commitMaxJobs, interactivePerBulk, timeouts, progressInterval, duplicateWindow);
  }

  public LoopSettings withProgressInterval(Duration interval) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay,
        commitInterval, commitMaxJobs, interactivePerBulk, heartbeatTimeouts, interval, duplicateWindow);
  }

  public LoopSettings withDuplicateWindow(Duration window) {
    return new LoopSettings(concurrency, waitingPerPartition, drainTimeout, revocationWait, deadlines, workerName, processingDelay,
        commitInterval, commitMaxJobs, interactivePerBulk, heartbeatTimeouts, progressInterval, window);
  }

  /** How long this job may go without a heartbeat (zero: no limit). */
  Duration heartbeatTimeout(JobExecution execution) {
    return execution.isJob() ? heartbeatTimeouts.getOrDefault(execution.job().getTask(), Duration.ZERO) : Duration.ZERO;
  }

  Duration deadline(JobExecution execution) {
    return execution.isJob() ? deadlines.getOrDefault(execution.job().getTask(), Duration.ZERO) : Duration.ZERO;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
