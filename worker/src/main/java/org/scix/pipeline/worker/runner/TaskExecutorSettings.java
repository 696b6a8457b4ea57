package org.scix.pipeline.worker.runner;

import java.time.Duration;
import org.scix.pipeline.worker.task.TaskRegistry;

/** What the runner needs to know about running tasks. */
public record TaskExecutorSettings(TaskRegistry tasks, int concurrency, int maxAttempts, Duration retryBackoff,
    Duration drainTimeout, String workerName) {}
