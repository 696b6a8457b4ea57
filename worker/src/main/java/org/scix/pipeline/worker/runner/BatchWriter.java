package org.scix.pipeline.worker.runner;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.kafka.TransactionalWriter.Transaction;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Writes a {@link CommitBatch} as one Kafka transaction: Processing events, then per finished job
 * its outputs, dead letter and terminal status, then the input offsets after them, fenced by the
 * consumer group's generation. A job's terminal status, outputs and input offset therefore commit
 * together or not at all. The worker's only use of the {@link TransactionalWriter}.
 */
final class BatchWriter {
  static final String DLT_REASON = "dlt.reason";
  static final String DLT_TOPIC = "dlt.original.topic";
  static final String DLT_PARTITION = "dlt.original.partition";
  static final String DLT_OFFSET = "dlt.original.offset";

  private final TopicSettings topics;
  private final TransactionalWriter writer;
  private final String workerName;

  BatchWriter(TopicSettings topics, TransactionalWriter writer, String workerName) {
    this.topics = topics;
    this.writer = writer;
    this.workerName = workerName;
  }

  /** Creates the producer, fencing a predecessor with this worker's transactional id. */
  void init() {
    writer.init();
  }

  /**
   * @throws TransactionalWriter.Aborted nothing of the batch is visible; it may be written again
   * @throws TransactionalWriter.OutcomeUnknown the batch may have committed
   * @throws TransactionalWriter.Fenced this worker must stop
   */
  void write(CommitBatch batch, ConsumerGroupMetadata group) {
    writer.write(transaction -> {
      for (CommitBatch.Announcement announcement : batch.announcements()) {
        transaction.send(status(announcement.execution(), JobState.Processing, announcement.attempt(), null));
      }
      batch.finished().values().forEach(jobs -> jobs.forEach(execution -> sendResult(transaction, execution)));
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      batch.nextOffsets().forEach((partition, next) -> offsets.put(partition, new OffsetAndMetadata(next)));
      transaction.sendOffsets(offsets, group);
    });
  }

  void close() {
    writer.close();
  }

  private void sendResult(Transaction transaction, JobExecution execution) {
    if (execution.isControl()) {
      return;
    }
    Outcome outcome = execution.outcome();
    if (outcome.deadLetter()) {
      transaction.send(deadLetter(execution.record(), outcome.errorReason()));
    }
    if (outcome.success()) {
      for (TemplateOutput output : outcome.outputs()) {
        transaction.send(new ProducerRecord<>(topics.output(), execution.jobId(), output));
      }
    }
    // A poison record whose key is a job id still gets its Error, so its caller is not left waiting.
    if (execution.jobId() != null && JobIds.isValid(execution.jobId())) {
      JobState state = outcome.success() ? JobState.Success : JobState.Error;
      transaction.send(status(execution, state, Math.max(1, outcome.attempts()), outcome.errorReason()));
    }
  }

  private ProducerRecord<String, Object> status(JobExecution execution, JobState state, int attempt, String reason) {
    String task = execution.isJob() ? execution.job().getTask().name() : null;
    JobStatus event = JobStatuses.event(execution.jobId(), state, task, attempt, workerName, reason, execution.traceparent());
    return new ProducerRecord<>(topics.status(), execution.jobId(), event);
  }

  /** The input record as it came (bytes and headers), with why and where from. */
  private ProducerRecord<String, Object> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(DLT_REASON, utf8(reason));
    headers.add(DLT_TOPIC, utf8(record.topic()));
    headers.add(DLT_PARTITION, utf8(Integer.toString(record.partition())));
    headers.add(DLT_OFFSET, utf8(Long.toString(record.offset())));
    return new ProducerRecord<>(topics.deadLetter(), null, record.key(), record.value(), headers);
  }

  private static byte[] utf8(String value) {
    return (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
  }
}
