package org.scix.pipeline.gateway.submit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Builds what a submission writes: a job and its Pending, a replay (plus its dead-letter marker),
 * a cancel request, a lone marker. Values are serialized here, on the caller's thread, and checked
 * against the producer's size limit, so an oversize job is refused alone, before it joins a batch.
 */
public final class JobRecords {
  private final TopicSettings topics;
  private final Serializer<Object> values;
  private final RecordSizeLimit limit;
  private final String writer;
  private final IntSupplier delayedPartitions; // read per use: partitions may be added to the delayed topic

  /**
   * @param writer written into each Pending as the event's author ("gateway-" + instance id)
   * @param delayedPartitions how many partitions the delayed topic has ({@link DelayedRecords#partitionFor})
   */
  public JobRecords(TopicSettings topics, Serializer<Object> values, RecordSizeLimit limit, String writer, int delayedPartitions) {
    this(topics, values, limit, writer, () -> delayedPartitions);
  }

  /** @param delayedPartitions how many partitions the delayed topic has now, asked at each use */
  public JobRecords(TopicSettings topics, Serializer<Object> values, RecordSizeLimit limit, String writer, IntSupplier delayedPartitions) {
    this.topics = topics;
    this.values = values;
    this.limit = limit;
    this.writer = writer;
    this.delayedPartitions = delayedPartitions;
  }

  /** How many partitions the input and status topics have. */
  int inputPartitions() {
    return topics.partitions();
  }

  /** The topics a submit transaction may touch (registered with the transaction at start). */
  List<String> topicsWritten() {
    return List.of(topics.input(), topics.bulkInput(), topics.status(), topics.deadLetter(), topics.delayed(), topics.control());
  }

  /**
   * A delayed job: its record waits on the delayed topic (with when it is due and when it was
   * accepted) and its Pending, carrying the due time, goes on the status topic, in one
   * transaction. The replica owning its partition hands it to the workers when it is due.
   */
  Submission delayed(String jobId, TemplateInput job, String traceparent, Instant due, Priority priority) {
    JobStatus pending = JobStatuses.pending(jobId, job.getTask().name(), writer, traceparent, null, due);
    pending.setPriority(eventPriority(priority));
    ProducerRecord<String, Object> waiting = serialized(new ProducerRecord<>(topics.delayed(),
        DelayedRecords.partitionFor(jobId, delayedPartitions.getAsInt()), jobId, job));
    DelayedRecords.addTimes(waiting.headers(), due, pending.getSubmittedTime());
    DelayedRecords.addPriority(waiting.headers(), priority);
    ControlRecords.addTraceparent(waiting.headers(), traceparent);
    return new Submission(jobId, "submitted (task " + job.getTask() + ", due " + due + ")",
        List.of(waiting, serialized(new ProducerRecord<>(topics.status(), jobId, pending))), pending);
  }

  /** A cancel request for a delayed job, to the replica that owns it (which cancels it or, if it was handed on already, passes the cancel on). */
  Submission cancelDelayed(String jobId, String task, String traceparent) {
    ProducerRecord<String, Object> request = new ProducerRecord<>(topics.delayed(), DelayedRecords.partitionFor(jobId, delayedPartitions.getAsInt()),
        DelayedRecords.cancelKey(jobId), new byte[0]);
    ControlRecords.addTraceparent(request.headers(), traceparent);
    if (task != null) { // passed on with the cancel if the job was handed on meanwhile (and perhaps parked)
      request.headers().add(ParkedJobs.TASK, task.getBytes(StandardCharsets.US_ASCII));
    }
    // Also on the control topic: if its owner hands the job on before it reads the request, no
    // worker starts it (the owner tombstones this when it cancels the job itself).
    return new Submission(jobId, "cancel of a delayed job requested",
        List.of(request, TaskControls.cancelledJob(topics.control(), jobId, System.currentTimeMillis())), null);
  }

  /** A job whose id was drawn at random here: marked so (workers need not remember it to skip a second record, there is none). */
  Submission freshJob(String jobId, TemplateInput job, String traceparent, Priority priority) {
    Submission submission = job(jobId, job, traceparent, priority);
    submission.records().get(0).headers().add(ControlRecords.FRESH_ID, new byte[] {1});
    return submission;
  }

  Submission job(String jobId, TemplateInput job, String traceparent, Priority priority) {
    JobStatus pending = pending(jobId, job, traceparent, null);
    pending.setPriority(eventPriority(priority));
    return new Submission(jobId, "submitted (task " + job.getTask() + ", " + priority.wireName() + ")",
        jobAndPending(jobId, job, traceparent, pending, priority, null), pending);
  }

  /**
   * Job {@code jobId} of batch {@code batchId} and its Pending, for the batch's one transaction;
   * the input record carries the batch id, which the worker copies into the job's events.
   */
  public List<ProducerRecord<String, Object>> batchJob(String jobId, TemplateInput job, String batchId, Priority priority) {
    JobStatus pending = pending(jobId, job, null, null);
    pending.setPriority(eventPriority(priority));
    pending.setBatchId(batchId);
    return jobAndPending(jobId, job, null, pending, priority, batchId);
  }

  /** The job, its Pending, and {@code marker} (the dead-letter topic's "replayed" record), written together. */
  Submission replay(String jobId, TemplateInput job, String replayOf, ProducerRecord<String, Object> marker) {
    JobStatus pending = pending(jobId, job, null, replayOf);
    List<ProducerRecord<String, Object>> records = new ArrayList<>(jobAndPending(jobId, job, null, pending, Priority.INTERACTIVE, null));
    records.add(marker);
    return new Submission(jobId, "submitted as a replay of " + replayOf, records, pending);
  }

  /**
   * A cancel, in one transaction: out of band on the control topic, which every worker follows
   * apart from its input (so a worker holding the job, or reaching it later, from the input or the
   * parked topic and after any hand-off, ends it without starting it: the job may be queued behind
   * many others, and an in-band request would reach it only after its start); and in band, a
   * control record keyed by the job id after the job on its partition (of its priority's topic),
   * for workers of earlier versions. The worker that ends the job tombstones the control record.
   */
  Submission cancel(String jobId, Priority priority, String task, String traceparent) {
    ProducerRecord<String, Object> request = serialized(ControlRecords.cancel(topics.input(priority), jobId, traceparent, task));
    return new Submission(jobId, "cancel requested",
        List.of(TaskControls.cancelledJob(topics.control(), jobId, System.currentTimeMillis()), request), null);
  }

  /** One record (a dead-letter marker) on its own. */
  Submission marker(String id, String what, ProducerRecord<String, Object> record) {
    return new Submission(id, what, List.of(record), null);
  }

  private JobStatus pending(String jobId, TemplateInput job, String traceparent, String replayOf) {
    return JobStatuses.pending(jobId, job.getTask().name(), writer, traceparent, replayOf);
  }

  private List<ProducerRecord<String, Object>> jobAndPending(String jobId, TemplateInput job, String traceparent, JobStatus pending,
      Priority priority, String batchId) {
    ProducerRecord<String, Object> jobRecord = serialized(new ProducerRecord<>(topics.input(priority), jobId, job));
    // W3C trace context travels with the job to the worker, which copies it into its status events.
    ControlRecords.addTraceparent(jobRecord.headers(), traceparent);
    if (batchId != null) {
      BatchRecords.addBatchId(jobRecord.headers(), batchId);
    }
    return List.of(jobRecord, serialized(new ProducerRecord<>(topics.status(), jobId, pending)));
  }

  /** Events name bulk only: null reads as interactive, as events written before priorities do. */
  private static String eventPriority(Priority priority) {
    return priority == Priority.BULK ? priority.wireName() : null;
  }

  private ProducerRecord<String, Object> serialized(ProducerRecord<String, Object> record) {
    try {
      return limit.serialized(record, values);
    } catch (RecordSizeLimit.TooLarge e) {
      throw new JobTooLargeException(e.size(), e.limit());
    } catch (SerializationException e) {
      throw SubmissionFailedException.notAccepted("cannot serialize the job for Kafka (is the schema registry reachable?): "
          + e.getMessage(), e);
    }
  }
}
