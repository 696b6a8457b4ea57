package org.scix.pipeline.worker.task;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Which implementation runs each task name, and how long and how often a run may go.
 *
 * @param registry the implementation bound to each task name ({@code TASK_SYMBOL1=...}); with
 *     {@value #SIMULATE_ALL_MS} set (CLI {@code --simulate-ms}), every task is bound to the simulated one
 * @param deadlines how long one run of each task may take before the job ends Error {@code timed out}
 *     and its thread stops counting (zero: no limit)
 * @param maxAttempts runs of a job whose task failed with a retryable error, before it ends Error
 * @param retryBackoff the wait before the second run (doubling for each further one)
 * @param heartbeatTimeouts how long a running job of each task may go without reporting progress
 *     or a heartbeat ({@link TaskContext}) before it ends Error (zero: no limit)
 */
public record TaskSettings(TaskRegistry registry, Map<taskenum, Duration> deadlines, int maxAttempts, Duration retryBackoff,
    Map<taskenum, Duration> heartbeatTimeouts) {
  public static final String TASK_PREFIX = TaskRegistry.TASK_PREFIX;
  public static final String SIMULATE_ALL_MS = "WORKER_SIMULATE_MS";
  public static final String MAX_ATTEMPTS = "TASK_MAX_ATTEMPTS";
  public static final String RETRY_BACKOFF = "TASK_RETRY_BACKOFF_MS";
  /** How long one run of any task may take (0: no limit); {@code TASK_<SYMBOL>_DEADLINE_MS} per task. */
  public static final String TASK_DEADLINE = "TASK_DEADLINE_MS";
  public static final String TASK_DEADLINE_SUFFIX = "_DEADLINE_MS";
  /** How long a running job of any task may go without a heartbeat (0: no limit); {@code TASK_<SYMBOL>_HEARTBEAT_TIMEOUT_MS} per task. */
  public static final String TASK_HEARTBEAT_TIMEOUT = "TASK_HEARTBEAT_TIMEOUT_MS";
  public static final String TASK_HEARTBEAT_TIMEOUT_SUFFIX = "_HEARTBEAT_TIMEOUT_MS";
  /** The task names the request schema allows. */
  private static final taskenum[] TASKS = {taskenum.SYMBOL1, taskenum.SYMBOL2, taskenum.SYMBOL3};

  public TaskSettings {
    deadlines = Map.copyOf(deadlines);
    heartbeatTimeouts = Map.copyOf(heartbeatTimeouts);
  }

  /** SYMBOL1 and SYMBOL2 are bound to the example task, SYMBOL3 to the simulated one, unless configured otherwise. */
  public static TaskSettings from(Settings s) {
    Map<taskenum, String> bindings = new EnumMap<>(taskenum.class);
    boolean simulateAll = s.optional(SIMULATE_ALL_MS).isPresent();
    for (taskenum task : TASKS) {
      String fallback = task == taskenum.SYMBOL3 ? SimulatedTask.NAME : DateRangeExpansionTask.NAME;
      bindings.put(task, simulateAll ? SimulatedTask.NAME : s.string(TASK_PREFIX + task.name(), fallback));
    }
    Duration all = s.duration(TASK_DEADLINE, Duration.ZERO, Duration.ZERO);
    Map<taskenum, Duration> deadlines = new EnumMap<>(taskenum.class);
    for (taskenum task : TASKS) {
      deadlines.put(task, s.duration(TASK_PREFIX + task.name() + TASK_DEADLINE_SUFFIX, all, Duration.ZERO));
    }
    Duration everyHeartbeat = s.duration(TASK_HEARTBEAT_TIMEOUT, Duration.ZERO, Duration.ZERO);
    Map<taskenum, Duration> heartbeats = new EnumMap<>(taskenum.class);
    for (taskenum task : TASKS) {
      heartbeats.put(task, s.duration(TASK_PREFIX + task.name() + TASK_HEARTBEAT_TIMEOUT_SUFFIX, everyHeartbeat, Duration.ZERO));
    }
    return new TaskSettings(TaskRegistry.load(bindings, s), deadlines,
        s.integer(MAX_ATTEMPTS, 3, 1, 100),
        s.duration(RETRY_BACKOFF, Duration.ofMillis(200), Duration.ZERO), heartbeats);
  }
}
