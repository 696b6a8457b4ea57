package org.scix.pipeline.gateway.delayed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.gateway.owned.OwnedTopic;
import org.scix.pipeline.gateway.owned.PartitionStates;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed jobs: what this replica knows of the delayed-topic partitions it owns, folded from the
 * topic read from its beginning (the jobs still waiting and the cancel requests not acted on yet),
 * and what it writes when one is due. A job due is handed to the workers: its record goes to the
 * input topic and a tombstone replaces it here. A cancel request for a waiting job ends it
 * cancelled (Error "cancelled", written here) so it never runs; one for a job handed on already
 * becomes an ordinary cancel on the input topic, and is copied to the other partitions (a job
 * placed before partitions were added waits on another one than its cancel). Nothing of a partition is due until it was read
 * up to where it stood when it was assigned, so a job handed on or cancelled by the previous owner
 * is known as such first. Poll thread only ({@link org.scix.pipeline.gateway.owned.OwnedPartitions}).
 */
public final class WaitingJobs implements OwnedTopic {
  private static final Logger log = LoggerFactory.getLogger(WaitingJobs.class);

  /** What is due now, one job each. */
  sealed interface Action extends OwnedTopic.Action {
    String jobId();

    @Override
    default String key() {
      return jobId();
    }
  }

  /** A job whose time has come: hand it to the workers. */
  record HandOn(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> record) implements Action {}

  /** A cancel request for a job still waiting: it ends cancelled and never runs. */
  record CancelWaiting(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> record,
      ConsumerRecord<String, byte[]> request) implements Action {}

  /**
   * A cancel request for a job not waiting here (handed on already, or unknown): it goes to the
   * input topic like any cancel, and a copy to every other partition, where the job waits if it
   * was placed when the topic had fewer partitions.
   */
  record PassCancelOn(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> request) implements Action {}

  /**
   * A copy of a cancel request (from {@link PassCancelOn}) for a job neither waiting here nor gone
   * from here lately: dropped, its original passed the cancel on. (A copy for a job gone lately is
   * passed on, not copied again: it may have left after the original's pass-on.)
   */
  record DropCopy(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> request) implements Action {}

  /** On a copy of a cancel request sent to the other partitions: never copied again. */
  static final String COPIED = "pipeline.delayed.cancel_copied";
  /** How long a job that left is remembered for copies of its cancel (written within seconds of its original's pass-on). */
  static final long GONE_KEPT_MS = 3_600_000;

  private static final class Partition {
    final Map<String, ConsumerRecord<String, byte[]>> waiting = new HashMap<>();
    final Map<String, ConsumerRecord<String, byte[]>> cancels = new LinkedHashMap<>();
    final Map<String, Long> inFlight = new HashMap<>(); // acted on in a transaction not settled yet: not due again
    // Jobs that left lately (handed on, cancelled) and when, oldest first: a copy of a cancel
    // arriving just after its job was handed on here must still pass the cancel on after it.
    final Map<String, Long> gone = new LinkedHashMap<>();
  }

  private final PartitionStates<Partition> partitions = new PartitionStates<>(Partition::new);
  private final AtomicInteger waitingCount = new AtomicInteger();
  private final TopicSettings topics;
  private final String writerName;
  private final Counter handedOn;
  private final Counter cancelled;
  private final DelayedPartitions delayedPartitions;

  /** @param writerName written into a cancelled job's status as its author ("gateway-" + instance id) */
  public WaitingJobs(TopicSettings topics, String writerName, MeterRegistry metrics) {
    this(topics, writerName, metrics, new DelayedPartitions(topics.partitions()));
  }

  /** @param delayedPartitions kept current here for the replica's submitter, which places delayed jobs and cancels by it */
  public WaitingJobs(TopicSettings topics, String writerName, MeterRegistry metrics, DelayedPartitions delayedPartitions) {
    this.delayedPartitions = delayedPartitions;
    this.topics = topics;
    this.writerName = writerName;
    this.handedOn = Counter.builder("pipeline.delayed.handed_on").description("Delayed jobs handed to the workers when due")
        .register(metrics);
    this.cancelled = Counter.builder("pipeline.delayed.cancelled").description("Delayed jobs cancelled before they were due")
        .register(metrics);
    // Read by the metrics thread: a count the poll thread publishes each turn, not the maps it changes.
    metrics.gauge("pipeline.delayed.waiting", waitingCount);
  }

  @Override
  public String topic() {
    return topics.delayed();
  }

  @Override
  public PartitionStates<?> partitions() {
    return partitions;
  }

  @Override
  public void partitionCount(int count) {
    delayedPartitions.update(count);
  }

  @Override
  public void apply(ConsumerRecord<String, byte[]> record) {
    Partition p = partitions.of(record);
    if (p == null || record.key() == null) {
      return;
    }
    String cancelled = DelayedRecords.cancelledJob(record.key());
    Map<String, ConsumerRecord<String, byte[]>> map = cancelled != null ? p.cancels : p.waiting;
    String jobId = cancelled != null ? cancelled : record.key();
    if (record.value() == null) {
      map.remove(jobId); // tombstone: handed on, cancelled, or the request acted on
      p.inFlight.remove(jobId);
      if (cancelled == null) {
        p.gone.put(jobId, record.timestamp());
      }
    } else {
      map.put(jobId, record);
    }
  }

  /** Cancels first; each action stays held until {@link #done}, {@link #release} or its tombstone is read. */
  @Override
  public List<OwnedTopic.Action> due(long nowMillis, int max) {
    List<OwnedTopic.Action> due = new ArrayList<>();
    for (Map.Entry<TopicPartition, Partition> entry : partitions.loaded().entrySet()) {
      Partition p = entry.getValue();
      for (Iterator<Long> left = p.gone.values().iterator(); left.hasNext() && left.next() < nowMillis - GONE_KEPT_MS; ) {
        left.remove();
      }
      for (Map.Entry<String, ConsumerRecord<String, byte[]>> cancel : p.cancels.entrySet()) {
        String jobId = cancel.getKey();
        if (due.size() >= max || p.inFlight.containsKey(jobId)) {
          continue;
        }
        ConsumerRecord<String, byte[]> waiting = p.waiting.get(jobId);
        ConsumerRecord<String, byte[]> request = cancel.getValue();
        boolean copy = request.headers().lastHeader(COPIED) != null;
        due.add(waiting != null ? new CancelWaiting(entry.getKey(), jobId, waiting, request)
            : copy && !p.gone.containsKey(jobId) ? new DropCopy(entry.getKey(), jobId, request)
            : new PassCancelOn(entry.getKey(), jobId, request));
      }
      for (Map.Entry<String, ConsumerRecord<String, byte[]>> job : p.waiting.entrySet()) {
        String jobId = job.getKey();
        if (due.size() >= max || p.inFlight.containsKey(jobId) || p.cancels.containsKey(jobId)) {
          continue;
        }
        if (DelayedRecords.dueAt(job.getValue().headers()) <= nowMillis) {
          due.add(new HandOn(entry.getKey(), jobId, job.getValue()));
        }
      }
    }
    due.forEach(action -> partitions.of(action.partition()).inFlight.put(action.key(), nowMillis));
    waitingCount.set(size());
    return due;
  }

  @Override
  public void release(List<OwnedTopic.Action> actions) {
    for (OwnedTopic.Action action : actions) {
      Partition p = partitions.of(action.partition());
      if (p != null) {
        p.inFlight.remove(action.key());
      }
    }
  }

  /** Done before their tombstones are read back. */
  @Override
  public void done(List<OwnedTopic.Action> actions) {
    for (OwnedTopic.Action action : actions) {
      Partition p = partitions.of(action.partition());
      if (p != null) {
        Long actedAt = p.inFlight.remove(action.key());
        p.cancels.remove(action.key());
        if (action instanceof HandOn || action instanceof CancelWaiting) {
          p.waiting.remove(action.key());
          p.gone.put(action.key(), actedAt != null ? actedAt : 0L);
        }
      }
      log(action);
    }
  }

  private void log(OwnedTopic.Action action) {
    if (action instanceof HandOn h) {
      handedOn.increment();
      log.info("delayed job {} handed to the workers (due {})", h.jobId(), Instant.ofEpochMilli(DelayedRecords.dueAt(h.record().headers())));
    } else if (action instanceof CancelWaiting) {
      cancelled.increment();
      log.info("delayed job {} cancelled before it was due", action.key());
    } else if (action instanceof PassCancelOn) {
      log.info("cancel of delayed job {} passed on to the workers (it was handed on already, or waits on another partition)",
          action.key());
    } else {
      log.debug("copy of the cancel of delayed job {}: the job is not waiting on {} either", action.key(), action.partition());
    }
  }

  @Override
  public List<ProducerRecord<String, Object>> records(OwnedTopic.Action action) {
    if (action instanceof HandOn h) {
      return List.of(
          new ProducerRecord<>(topics.input(DelayedRecords.priority(h.record().headers())), null, h.jobId(), h.record().value(),
              new RecordHeaders(h.record().headers().toArray())),
          tombstone(h.record()));
    }
    if (action instanceof CancelWaiting c) {
      // The gateway put the cancel on the control topic too (in case the job is handed on meanwhile): carried out here.
      return List.of(new ProducerRecord<>(topics.status(), c.jobId(), cancelledStatus(c)), tombstone(c.record()), tombstone(c.request()),
          TaskControls.cancelCarriedOut(topics.control(), c.jobId()));
    }
    if (action instanceof DropCopy d) {
      return List.of(tombstone(d.request()));
    }
    // The job was handed on already, and its record is gone with it: the cancel goes to both input
    // topics (on the topic it is not on, a worker finds no such job and ignores it).
    PassCancelOn p = (PassCancelOn) action;
    String traceparent = ControlRecords.traceparent(p.request().headers());
    List<ProducerRecord<String, Object>> records = new ArrayList<>();
    String task = ParkedJobs.task(p.request().headers());
    topics.inputs().forEach(input -> records.add(ControlRecords.cancel(input, p.jobId(), traceparent, task)));
    // A job is placed by the partition count at its submission: if partitions were added since,
    // its cancel was placed elsewhere. The copies find it wherever it waits (and cancel it there).
    boolean copy = p.request().headers().lastHeader(COPIED) != null;
    for (int partition = 0; !copy && partition < delayedPartitions.count(); partition++) {
      if (partition != p.partition().partition()) {
        RecordHeaders headers = new RecordHeaders(p.request().headers().toArray());
        headers.add(COPIED, new byte[0]);
        records.add(new ProducerRecord<>(topic(), partition, p.request().key(), new byte[0], headers));
      }
    }
    records.add(tombstone(p.request()));
    return records;
  }

  private JobStatus cancelledStatus(CancelWaiting c) {
    JobStatus event = JobStatuses.event(c.jobId(), JobState.Error, null, 0, writerName, ControlRecords.CANCELLED_REASON,
        ControlRecords.traceparent(c.record().headers()));
    long submitted = DelayedRecords.submittedAt(c.record().headers());
    event.setSubmittedTime(submitted > 0 ? Instant.ofEpochMilli(submitted) : null);
    event.setDueTime(Instant.ofEpochMilli(DelayedRecords.dueAt(c.record().headers())));
    Priority priority = DelayedRecords.priority(c.record().headers());
    event.setPriority(priority == Priority.BULK ? priority.wireName() : null);
    return event;
  }

  private static ProducerRecord<String, Object> tombstone(ConsumerRecord<String, byte[]> record) {
    return new ProducerRecord<>(record.topic(), record.partition(), record.key(), null);
  }

  @Override
  public long nextDue() {
    long next = Long.MAX_VALUE;
    for (Partition p : partitions.loaded().values()) {
      if (!p.cancels.isEmpty()) {
        return 0;
      }
      for (ConsumerRecord<String, byte[]> record : p.waiting.values()) {
        next = Math.min(next, DelayedRecords.dueAt(record.headers()));
      }
    }
    return next;
  }

  /** How many jobs wait in the partitions owned here. */
  int size() {
    return partitions.all().stream().mapToInt(p -> p.waiting.size()).sum();
  }
}
