package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Records on the input topic that are instructions rather than jobs, marked by the header
 * {@value #HEADER}. A cancel request is keyed by the job id (so it follows the job on its
 * partition) and carries a plain TemplateInput (task MONITOR, status Error) so tools that decode
 * the topic still can. It names the job's task when the sender knows it, so a worker that parked
 * the job (its task paused) forwards the cancel to where the job waits ({@link ParkedJobs}).
 */
public final class ControlRecords {
  public static final String HEADER = "pipeline.control";
  public static final String CANCEL = "cancel";
  public static final String CANCELLED_REASON = "cancelled";
  /**
   * Header of a job record whose id the gateway drew at random (no idempotency key, replay, tick
   * or batch behind it): no second record of that job can exist, so workers need not remember its
   * id to skip one. Records without it are treated as possibly repeated.
   */
  public static final String FRESH_ID = "pipeline.fresh-id";

  private ControlRecords() {}

  /** @param task the job's task, or null if not known */
  public static ProducerRecord<String, Object> cancel(String inputTopic, String jobId, String traceparent, String task) {
    TemplateInput request = TemplateInput.newBuilder()
        .setHash(jobId).setId(null).setTask(taskenum.MONITOR).setStatus(statusenum.Error)
        .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null).setPersistence(null).build())
        .build();
    ProducerRecord<String, Object> record = new ProducerRecord<>(inputTopic, jobId, request);
    record.headers().add(HEADER, CANCEL.getBytes(StandardCharsets.US_ASCII));
    addTraceparent(record.headers(), traceparent);
    if (task != null) {
      record.headers().add(ParkedJobs.TASK, task.getBytes(StandardCharsets.US_ASCII));
    }
    return record;
  }

  /** The control instruction a record carries, or null for a job. */
  public static String instruction(Headers headers) {
    Header header = headers.lastHeader(HEADER);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }

  public static void addTraceparent(Headers headers, String traceparent) {
    if (traceparent != null) {
      headers.add(Tracing.TRACEPARENT, traceparent.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The W3C traceparent a record carries, or null. */
  public static String traceparent(Headers headers) {
    Header header = headers.lastHeader(Tracing.TRACEPARENT);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }
}
