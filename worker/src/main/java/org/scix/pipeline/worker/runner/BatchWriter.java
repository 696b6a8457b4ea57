package org.scix.pipeline.worker.runner;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Writes a {@link CommitBatch} as one Kafka transaction: Processing events, then per finished job
 * its outputs, dead letter and terminal status (a job of a paused task: its parked copy), then the
 * input offsets, fenced by the consumer group's generation. A job's terminal status, outputs and
 * input offset commit together or not at all. The worker's only use of the {@link TransactionalWriter}.
 *
 * <p>A record that cannot be written fails only its own job. Every record is serialized and
 * size-checked before the transaction: a job whose outputs cannot be serialized or are larger than
 * Kafka takes ends Error with the reason instead, and an oversize dead-letter copy becomes a small
 * reference (headers only). A record the broker refuses fails the transaction; {@link #takeUnwritable}
 * then names the jobs it belonged to, so they end Error and the rest of the batch commits next turn.
 */
final class BatchWriter {
  static final String DLT_REASON = "dlt.reason";
  static final String DLT_TOPIC = "dlt.original.topic";
  static final String DLT_PARTITION = "dlt.original.partition";
  static final String DLT_OFFSET = "dlt.original.offset";
  static final String DLT_VALUE_OMITTED = "dlt.value.omitted";
  /** A terminal status lists its outputs' offsets up to this many (beyond: first and last, to be read keyed by job id). */
  static final int MAX_LISTED_OFFSETS = 1000;

  private final TopicSettings topics;
  private final TransactionalWriter writer;
  private final Serializer<Object> values;
  private final RecordSizeLimit recordLimit;
  private final String workerName;
  private final Map<JobExecution, String> unwritable = new ConcurrentHashMap<>(); // filled by producer callbacks

  BatchWriter(TopicSettings topics, TransactionalWriter writer, Serializer<Object> values, RecordSizeLimit recordLimit,
      String workerName) {
    this.topics = topics;
    this.writer = writer;
    this.values = values;
    this.recordLimit = recordLimit;
    this.workerName = workerName;
  }

  /** Creates the producer, fencing a predecessor with this worker's transactional id. */
  void init() {
    writer.init(List.of(topics.status(), topics.output(), topics.deadLetter(), topics.parked(), topics.control()));
  }

  /**
   * @throws TransactionalWriter.Aborted nothing of the batch is visible; it may be written again
   * @throws TransactionalWriter.OutcomeUnknown the batch may have committed
   * @throws TransactionalWriter.Fenced this worker must stop
   * @throws SerializationException a record cannot be serialized for now (schema registry
   *     unreachable); nothing was sent
   */
  void write(CommitBatch batch, ConsumerGroupMetadata group) {
    Map<ProducerRecord<String, Object>, JobExecution> records = new LinkedHashMap<>();
    for (CommitBatch.Announcement announcement : batch.announcements()) {
      records.put(status(announcement.execution(), JobState.Processing, announcement.attempt(), null, null, announcement.progress()),
          announcement.execution());
    }
    List<JobExecution> ended = new ArrayList<>();
    for (JobExecution execution : batch.finished()) {
      results(execution).forEach(r -> records.put(r, execution));
      if (execution.jobId() != null && JobIds.isValid(execution.jobId()) && execution.outcome().writes()) {
        ended.add(execution); // a poison record whose key is a job id still gets its Error, so its caller is not left waiting
      }
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    batch.commits().forEach((partition, commit) -> offsets.put(partition, new OffsetAndMetadata(commit.nextOffset(), commit.metadata())));
    writer.write(transaction -> {
      Map<JobExecution, List<Future<RecordMetadata>>> outputs = new HashMap<>();
      records.forEach((record, owner) -> {
        Future<RecordMetadata> sent = transaction.send(record, error -> unwritable.put(owner, error.toString()));
        if (record.topic().equals(topics.output())) {
          outputs.computeIfAbsent(owner, o -> new ArrayList<>()).add(sent);
        }
      });
      // Each terminal status names where its job's outputs landed, so a caller gets them by job id:
      // written after the outputs are acknowledged (one round trip per transaction, not per job).
      for (JobExecution execution : ended) {
        Outcome outcome = execution.outcome();
        JobState state = outcome.success() ? JobState.Success : JobState.Error;
        ProducerRecord<String, Object> record = status(execution, state, Math.max(1, outcome.attempts()), outcome.errorReason(),
            outcome.success() ? landed(outputs.getOrDefault(execution, List.of())) : null, null);
        transaction.send(record, error -> unwritable.put(execution, error.toString()));
      }
      transaction.sendOffsets(offsets, group);
    });
  }

  /** Where a job's outputs landed: partition, count, first and last offset, each offset when at most {@value #MAX_LISTED_OFFSETS}. */
  private static OutputLocation landed(List<Future<RecordMetadata>> sent) {
    List<Long> offsets = new ArrayList<>(sent.size());
    int partition = -1;
    for (Future<RecordMetadata> future : sent) {
      RecordMetadata metadata;
      try {
        metadata = future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while waiting for outputs to be acknowledged", e);
      } catch (ExecutionException e) {
        // Refused (its job is named by the send's callback) or the transaction failed: abort, as a failed send would.
        throw e.getCause() instanceof RuntimeException runtime ? runtime : new KafkaException(e.getCause());
      }
      partition = metadata.partition();
      offsets.add(metadata.offset());
    }
    return new OutputLocation(partition, offsets);
  }

  /** @param partition -1 when the job wrote no output */
  private record OutputLocation(int partition, List<Long> offsets) {}

  /** The jobs whose records the broker refused in the last failed transaction, with why; forgotten once taken. */
  Map<JobExecution, String> takeUnwritable() {
    Map<JobExecution, String> taken = new HashMap<>(unwritable);
    unwritable.keySet().removeAll(taken.keySet());
    return taken;
  }

  void close() {
    writer.close();
  }

  /** A finished job's outputs and dead letter, serialized; if its outputs cannot be written, the job ends Error instead. Its status comes later. */
  private List<ProducerRecord<String, Object>> results(JobExecution execution) {
    List<ProducerRecord<String, Object>> records = new ArrayList<>();
    Outcome outcome = execution.outcome();
    if (outcome.park()) {
      records.add(parkedCopy(execution));
    }
    if (!outcome.writes()) {
      return records;
    }
    if (outcome.success()) {
      try {
        for (TemplateOutput output : outcome.outputs()) {
          records.add(checked(new ProducerRecord<>(topics.output(), execution.jobId(), output)));
        }
      } catch (RecordSizeLimit.TooLarge | SerializationException e) {
        if (e.getCause() instanceof SchemaRegistryException) {
          throw e; // the registry's trouble, not the job's: the whole batch is written again later
        }
        execution.resultUnwritable("output could not be written: " + e.getMessage());
        return results(execution);
      }
    }
    if (outcome.deadLetter()) {
      records.add(deadLetter(execution.record(), outcome.errorReason()));
    }
    if (execution.carriesOutControlCancel()) {
      records.add(TaskControls.cancelCarriedOut(topics.control(), execution.jobId()));
    }
    return records;
  }

  private ProducerRecord<String, Object> status(JobExecution execution, JobState state, int attempt, String reason, OutputLocation outputs,
      JobExecution.Progress progress) {
    String task = execution.isJob() ? execution.job().getTask().name() : null;
    JobStatus event = JobStatuses.event(execution.jobId(), state, task, attempt, workerName, reason, execution.traceparent());
    // The job's earlier times travel with every event: the compacted topic keeps only its latest one.
    // A delayed job's record was written when it fell due; its headers keep when it was accepted and due.
    long submitted = DelayedRecords.submittedAt(execution.record().headers());
    submitted = submitted > 0 ? submitted : execution.record().timestamp();
    long due = DelayedRecords.dueAt(execution.record().headers());
    event.setSubmittedTime(submitted > 0 ? Instant.ofEpochMilli(submitted) : null);
    event.setDueTime(due > 0 ? Instant.ofEpochMilli(due) : null);
    event.setStartedTime(execution.startedAtMillis() > 0 ? Instant.ofEpochMilli(execution.startedAtMillis()) : null);
    Priority priority = topics.priorityOf(execution.record().topic());
    event.setPriority(priority == Priority.BULK ? priority.wireName() : null);
    event.setBatchId(BatchRecords.batchId(execution.record().headers()));
    if (progress != null) {
      event.setProgressDone(progress.done());
      event.setProgressTotal(progress.total());
      event.setProgressMessage(progress.message());
    }
    if (outputs != null) {
      List<Long> offsets = outputs.offsets();
      event.setOutputCount(offsets.size());
      if (!offsets.isEmpty()) {
        event.setOutputPartition(outputs.partition());
        event.setOutputFirstOffset(offsets.get(0));
        event.setOutputLastOffset(offsets.get(offsets.size() - 1));
        event.setOutputOffsets(offsets.size() <= MAX_LISTED_OFFSETS ? offsets : null);
      }
    }
    return checked(new ProducerRecord<>(topics.status(), execution.jobId(), event));
  }

  /** The record as it came (key, bytes, headers, timestamp) on a partition of its task's run of the parked topic. */
  private ProducerRecord<String, Object> parkedCopy(JobExecution execution) {
    ConsumerRecord<String, byte[]> record = execution.record();
    taskenum task = execution.isJob() ? execution.job().getTask() : taskenum.valueOf(ParkedJobs.task(record.headers()));
    int partition = ParkedJobs.partition(task, record.key(), topics.partitions());
    return new ProducerRecord<>(topics.parked(), partition, record.timestamp() >= 0 ? record.timestamp() : null, record.key(), record.value(),
        new RecordHeaders(record.headers().toArray()));
  }

  /** The input record as it came (bytes and headers), with why and where from; only a reference if the copy is too large. */
  private ProducerRecord<String, Object> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(DLT_REASON, utf8(reason));
    headers.add(DLT_TOPIC, utf8(record.topic()));
    headers.add(DLT_PARTITION, utf8(Integer.toString(record.partition())));
    headers.add(DLT_OFFSET, utf8(Long.toString(record.offset())));
    byte[] value = record.value();
    if (value != null && !recordLimit.fits(record.key(), value)) {
      headers.add(DLT_VALUE_OMITTED, utf8(value.length + " bytes, more than the " + recordLimit.maxBytes()
          + " Kafka takes; read it at the original offset"));
      value = null;
    }
    return new ProducerRecord<>(topics.deadLetter(), null, record.key(), value, headers);
  }

  private ProducerRecord<String, Object> checked(ProducerRecord<String, Object> record) {
    return recordLimit.serialized(record, values);
  }

  private static byte[] utf8(String value) {
    return (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
  }
}
