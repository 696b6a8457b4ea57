package org.scix.pipeline.gateway.submit;

import java.time.Duration;
import org.scix.pipeline.core.kafka.RecordSizeLimit;

/**
 * @param instanceId this gateway replica's id: its transactional id and the writer of its Pending events
 * @param sendDeadline a queued submission not sent to Kafka within this time is dropped and its
 *     caller told it was not accepted; once sent, the caller waits for the real outcome
 * @param recordLimit the largest record the producer sends (its {@code max.request.size})
 * @param lanes transactions that may be open at once, each on its own transactional producer: while
 *     one lane waits for its commit, the next batch is already being written on another
 */
public record SubmitterSettings(String instanceId, Duration sendDeadline, RecordSizeLimit recordLimit, int lanes) {
  public SubmitterSettings {
    if (lanes < 1) {
      throw new IllegalArgumentException("lanes must be at least 1, got " + lanes);
    }
  }

  /** One lane: one transaction at a time. */
  public SubmitterSettings(String instanceId, Duration sendDeadline, RecordSizeLimit recordLimit) {
    this(instanceId, sendDeadline, recordLimit, 1);
  }
}
