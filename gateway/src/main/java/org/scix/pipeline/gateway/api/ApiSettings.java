package org.scix.pipeline.gateway.api;

import java.time.Duration;

/**
 * Timing rules of the API handlers.
 *
 * @param idempotencyWindow a repeat of an idempotency key within this time maps to the same job
 * @param syncTimeout how long a lookup of a job this replica does not know yet may wait for the status topic
 * @param cancelWait how long Cancel waits for the job's terminal status before answering with the current one
 */
public record ApiSettings(Duration idempotencyWindow, Duration syncTimeout, Duration cancelWait) {}
