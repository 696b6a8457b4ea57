package org.scix.pipeline.gateway.submit;

import java.time.Duration;
import org.scix.pipeline.core.kafka.RecordSizeLimit;

/**
 * @param instanceId this gateway replica's id: its transactional id and the writer of its Pending events
 * @param sendDeadline a queued submission not sent to Kafka within this time is dropped and its
 *     caller told it was not accepted; once sent, the caller waits for the real outcome
 * @param recordLimit the largest record the producer sends (its {@code max.request.size})
 */
public record SubmitterSettings(String instanceId, Duration sendDeadline, RecordSizeLimit recordLimit) {}
