package org.scix.pipeline.gateway.submit;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Records that must reach Kafka together (a job and its Pending, or a cancel request);
 * {@link #acknowledged} completes once the transaction holding them committed.
 */
record Submission(String jobId, String what, List<ProducerRecord<String, Object>> records, CompletableFuture<Void> acknowledged) {}
