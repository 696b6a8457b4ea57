package org.scix.pipeline.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.TaskRegistry;

/**
 * Everything a worker reads at start, validated there.
 *
 * @param concurrency jobs one process runs at once (across and within its partitions)
 * @param taskDeadlines how long one run of each task may take before the job ends Error
 *     {@code timed out} and its thread stops counting (zero: no limit)
 * @param tasks the implementation bound to each task name ({@code TASK_SYMBOL1=...}); with
 *     {@value #SIMULATE_ALL_MS} set (CLI {@code --simulate-ms}), every task is bound to {@value #SIMULATED}
 * @param commitInterval a transaction begins at most this often (zero: as soon as the previous one ended)
 * @param commitMaxJobs the most finished jobs one transaction carries (default: the concurrency)
 */
public record WorkerConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    String groupId,
    String instanceId,
    int concurrency,
    TaskRegistry tasks,
    Map<taskenum, Duration> taskDeadlines,
    int maxAttempts,
    Duration retryBackoff,
    Duration drainTimeout,
    Duration processingDelay,
    Duration commitInterval,
    int commitMaxJobs,
    int opsPort) {

  public static final String GROUP_ID = "WORKER_GROUP_ID";
  public static final String INSTANCE_ID = "WORKER_INSTANCE_ID";
  public static final String CONCURRENCY = "WORKER_CONCURRENCY";
  public static final String TASK_PREFIX = TaskRegistry.TASK_PREFIX;
  public static final String SIMULATED_TASK_MS = "SIMULATED_TASK_MS";
  public static final String SIMULATE_ALL_MS = "WORKER_SIMULATE_MS";
  public static final String MAX_ATTEMPTS = "TASK_MAX_ATTEMPTS";
  public static final String RETRY_BACKOFF = "TASK_RETRY_BACKOFF_MS";
  public static final String DRAIN_TIMEOUT = "WORKER_DRAIN_TIMEOUT_MS";
  public static final String OPS_PORT = "WORKER_OPS_PORT";
  public static final String PROCESSING_DELAY = "PROCESSING_STATUS_DELAY_MS";
  /** A worker transaction begins at most this often (0: as soon as the previous one ended). */
  public static final String COMMIT_INTERVAL = "WORKER_COMMIT_INTERVAL_MS";
  /** The most finished jobs one worker transaction carries (a full batch begins without waiting out the interval). */
  public static final String COMMIT_MAX_JOBS = "WORKER_COMMIT_MAX_JOBS";
  /** How long one run of any task may take (0: no limit); {@code TASK_<SYMBOL>_DEADLINE_MS} per task. */
  public static final String TASK_DEADLINE = "TASK_DEADLINE_MS";
  public static final String TASK_DEADLINE_SUFFIX = "_DEADLINE_MS";
  /** The built-in tasks bound by default: SYMBOL1 and SYMBOL2 to the example task, SYMBOL3 to the simulated one. */
  private static final String EXAMPLE = "daterange-expansion";
  private static final String SIMULATED = "simulated";

  public static WorkerConfig from(Settings s) {
    Map<taskenum, String> bindings = new EnumMap<>(taskenum.class);
    boolean simulateAll = s.optional(SIMULATE_ALL_MS).isPresent();
    for (taskenum task : new taskenum[] {taskenum.SYMBOL1, taskenum.SYMBOL2, taskenum.SYMBOL3}) {
      String fallback = task == taskenum.SYMBOL3 ? SIMULATED : EXAMPLE;
      bindings.put(task, simulateAll ? SIMULATED : s.string(TASK_PREFIX + task.name(), fallback));
    }
    int concurrency = s.integer(CONCURRENCY, 16, 1, 4096);
    return new WorkerConfig(
        KafkaSettings.from(s),
        TopicSettings.from(s),
        s.string(GROUP_ID, "scix-pipeline-workers"),
        s.string(INSTANCE_ID, hostName() + "-" + ProcessHandle.current().pid()),
        concurrency,
        TaskRegistry.load(bindings, s),
        deadlines(s),
        s.integer(MAX_ATTEMPTS, 3, 1, 100),
        s.duration(RETRY_BACKOFF, Duration.ofMillis(200), Duration.ZERO),
        s.duration(DRAIN_TIMEOUT, Duration.ofSeconds(30), Duration.ZERO),
        s.duration(PROCESSING_DELAY, Duration.ofMillis(100), Duration.ZERO),
        s.duration(COMMIT_INTERVAL, Duration.ZERO, Duration.ZERO),
        // Measured (docs/benchmarks.md): every record waits for its whole transaction, so a burst
        // written 200 jobs at a time reached streams 5x later than 16 at a time.
        s.integer(COMMIT_MAX_JOBS, concurrency, 1, 100_000),
        s.integer(OPS_PORT, 0, 0, 65535));
  }

  private static Map<taskenum, Duration> deadlines(Settings s) {
    Duration all = s.duration(TASK_DEADLINE, Duration.ZERO, Duration.ZERO);
    Map<taskenum, Duration> deadlines = new EnumMap<>(taskenum.class);
    for (taskenum task : new taskenum[] {taskenum.SYMBOL1, taskenum.SYMBOL2, taskenum.SYMBOL3}) {
      deadlines.put(task, s.duration(TASK_PREFIX + task.name() + TASK_DEADLINE_SUFFIX, all, Duration.ZERO));
    }
    return deadlines;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
    } catch (UnknownHostException e) {
      return "worker";
    }
  }
}
