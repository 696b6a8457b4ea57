package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a job submitted in a batch carries in Kafka: its input record has the header
 * {@value #BATCH} (the batch id), which the worker copies into each status event of the job, so
 * the compacted status topic still knows a job's batch after older events are compacted away. A
 * cancelled batch is a record keyed {@code batch/<id>} on the control topic, which every worker
 * reads whole: no job of it starts after a worker has read it, and running ones are stopped.
 */
public final class BatchRecords {
  public static final String BATCH = "pipeline.batch";
  private static final String CANCELLED_PREFIX = "batch/";

  private BatchRecords() {}

  public static void addBatchId(Headers headers, String batchId) {
    headers.add(BATCH, batchId.getBytes(StandardCharsets.US_ASCII));
  }

  /** The control-topic record that cancels a batch (its value: when, epoch ms). */
  public static ProducerRecord<String, Object> cancelled(String controlTopic, String batchId, long atMillis) {
    return new ProducerRecord<>(controlTopic, 0, CANCELLED_PREFIX + batchId,
        Long.toString(atMillis).getBytes(StandardCharsets.US_ASCII));
  }

  /** The batch a control-topic key cancels, or null if the key is about something else. */
  public static String cancelledBatch(String key) {
    return key != null && key.startsWith(CANCELLED_PREFIX) ? key.substring(CANCELLED_PREFIX.length()) : null;
  }

  /** The batch the record's job belongs to, or null. */
  public static String batchId(Headers headers) {
    Header header = headers.lastHeader(BATCH);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }
}
