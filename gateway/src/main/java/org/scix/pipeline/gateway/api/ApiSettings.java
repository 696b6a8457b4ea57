package org.scix.pipeline.gateway.api;

import java.time.Duration;
import org.scix.pipeline.core.config.Settings;

/**
 * Timing rules of the API handlers.
 *
 * @param idempotencyWindow a repeat of an idempotency key within this time maps to the same job
 * @param syncTimeout how long a lookup of a job this replica does not know yet may wait for the status topic
 * @param cancelWait how long Cancel waits for the job's terminal status before answering with the current one
 * @param maxDelay how far ahead Init's run-at may be
 */
public record ApiSettings(Duration idempotencyWindow, Duration syncTimeout, Duration cancelWait, Duration maxDelay) {
  public static final String IDEMPOTENCY_WINDOW = "IDEMPOTENCY_WINDOW_MS";
  public static final String SYNC_TIMEOUT = "STATUS_SYNC_TIMEOUT_MS";
  public static final String CANCEL_WAIT = "CANCEL_WAIT_MS";
  public static final String MAX_DELAY = "DELAY_MAX_MS";

  public static ApiSettings from(Settings s) {
    return new ApiSettings(
        s.duration(IDEMPOTENCY_WINDOW, Duration.ofHours(24), Duration.ofSeconds(1)),
        s.duration(SYNC_TIMEOUT, Duration.ofSeconds(5), Duration.ofMillis(100)),
        s.duration(CANCEL_WAIT, Duration.ofSeconds(10), Duration.ZERO),
        s.duration(MAX_DELAY, Duration.ofDays(366), Duration.ofSeconds(1)));
  }
}
