package org.scix.pipeline.worker.runner;

import java.time.Duration;
import org.scix.pipeline.worker.task.TaskRegistry;

/**
 * What the runner needs to know about running tasks.
 *
 * @param revocationWait how long a revoked partition's running jobs may finish before they are
 *     handed back; must stay well under the consumer's max.poll.interval.ms, or the worker is
 *     thrown out of the group and loses all its partitions
 */
public record TaskExecutorSettings(TaskRegistry tasks, int concurrency, int maxAttempts, Duration retryBackoff,
    Duration drainTimeout, Duration revocationWait, String workerName) {}
