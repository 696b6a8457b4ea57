package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a job submitted in a batch carries in Kafka: its input record has the header
 * {@value #BATCH} (the batch id), which the worker copies into each status event of the job, so
 * the compacted status topic still knows a job's batch after older events are compacted away.
 */
public final class BatchRecords {
  public static final String BATCH = "pipeline.batch";

  private BatchRecords() {}

  public static void addBatchId(Headers headers, String batchId) {
    headers.add(BATCH, batchId.getBytes(StandardCharsets.US_ASCII));
  }

  /** The batch the record's job belongs to, or null. */
  public static String batchId(Headers headers) {
    Header header = headers.lastHeader(BATCH);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }
}
