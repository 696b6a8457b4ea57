package org.scix.pipeline.gateway.submit;

import java.time.Duration;
import org.scix.pipeline.core.config.Settings;

/**
 * How the gateway writes jobs to Kafka.
 *
 * @param instanceId this gateway replica's id: its transactional ids and the writer of its Pending events
 * @param sendDeadline a queued submission not sent to Kafka within this time is dropped and its
 *     caller told it was not accepted; once sent, the caller waits for the real outcome. Every
 *     blocking producer step is bounded by it too, so a dead broker answers UNAVAILABLE in time.
 * @param lanes transactions that may be open at once, each on its own transactional producer: while
 *     one lane waits for its commit, the next batch is already being written on another. One by
 *     default: a second lane halves each transaction at moderate rates (more transactions for the
 *     broker, longer commits for everyone) and measured no faster at full load
 *     (docs/benchmarks-history.md)
 * @param transactionTimeout how long a transaction left open by a dead gateway blocks
 *     {@code read_committed} readers before the coordinator aborts it
 * @param partitionSpan how long the ids of jobs submitted without a key keep to one input partition
 *     ({@link FreshJobIds}); zero: every id is drawn uniformly at random
 */
public record SubmitterSettings(String instanceId, Duration sendDeadline, int lanes, Duration transactionTimeout, Duration partitionSpan) {
  public static final String SEND_DEADLINE = "SUBMIT_TIMEOUT_MS";
  public static final String LANES = "SUBMIT_LANES";
  public static final String TRANSACTION_TIMEOUT = "SUBMIT_TRANSACTION_TIMEOUT_MS";
  public static final String PARTITION_SPAN = "SUBMIT_PARTITION_SPAN_MS";

  public SubmitterSettings {
    if (lanes < 1) {
      throw new IllegalArgumentException("lanes must be at least 1, got " + lanes);
    }
  }

  public static SubmitterSettings from(Settings s, String instanceId) {
    return new SubmitterSettings(instanceId,
        s.duration(SEND_DEADLINE, Duration.ofSeconds(10), Duration.ofMillis(100)),
        s.integer(LANES, 1, 1, 16),
        s.duration(TRANSACTION_TIMEOUT, Duration.ofSeconds(10), Duration.ofSeconds(1)),
        s.duration(PARTITION_SPAN, Duration.ofMillis(50), Duration.ZERO));
  }

  /** One lane, a 10 s transaction timeout (tests). */
  public static SubmitterSettings oneLane(String instanceId, Duration sendDeadline) {
    return new SubmitterSettings(instanceId, sendDeadline, 1, Duration.ofSeconds(10), Duration.ofMillis(50));
  }
}
