package org.scix.pipeline.gateway.batches;

import java.time.Duration;
import org.scix.pipeline.core.config.Settings;

/**
 * Limits of one batch call.
 *
 * @param maxJobs the most jobs one batch may have (a larger one is refused whole)
 * @param timeout how long a caller may take to send one batch, and how long a stream may send
 *     nothing; a call still streaming after it is refused whole (nothing was written)
 */
public record BatchSettings(int maxJobs, Duration timeout) {
  public static final String MAX_JOBS = "BATCH_MAX_JOBS";
  public static final String TIMEOUT = "BATCH_TIMEOUT_MS";

  public static BatchSettings from(Settings s) {
    return new BatchSettings(s.integer(MAX_JOBS, 100_000, 1, 1_000_000),
        s.duration(TIMEOUT, Duration.ofMinutes(2), Duration.ofSeconds(1)));
  }
}
