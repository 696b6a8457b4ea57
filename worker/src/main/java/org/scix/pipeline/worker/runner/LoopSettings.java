package org.scix.pipeline.worker.runner;

import java.time.Duration;

/**
 * How the worker's poll loop paces itself.
 *
 * @param concurrency tasks running at once; intake pauses while this many hold task threads
 * @param drainTimeout how long a stopping worker lets in-flight jobs finish before handing them back
 * @param revocationWait how long a revoked partition's running jobs may finish before they are
 *     handed back; must stay well under the consumer's max.poll.interval.ms, or the worker is
 *     thrown out of the group and loses all its partitions
 * @param workerName written into every status event this worker writes
 */
public record LoopSettings(int concurrency, Duration drainTimeout, Duration revocationWait, String workerName) {}
