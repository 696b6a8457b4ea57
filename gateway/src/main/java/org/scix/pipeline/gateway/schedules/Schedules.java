package org.scix.pipeline.gateway.schedules;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.owned.OwnedTopic;
import org.scix.pipeline.gateway.owned.PartitionStates;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules: what this replica knows of the schedules-topic partitions it owns (each schedule and
 * when it last ticked), and what it writes when a tick is due: the tick's job (its id derived from
 * schedule and tick, {@link JobIds#forScheduleTick}) with its Pending, and the schedule's new last
 * tick, in one transaction. A new owner continues after the last tick written, so each tick makes
 * one job; ticks missed meanwhile follow the schedule's catch-up policy. Ticks start after the
 * definition's record ({@link ScheduleRecords#definedAt}): a resumed schedule continues with its
 * next tick, as catch-up is for outages, not pauses. One tick per schedule per turn, oldest first. Poll thread only ({@link org.scix.pipeline.gateway.owned.OwnedPartitions}).
 */
public final class Schedules implements OwnedTopic {
  private static final Logger log = LoggerFactory.getLogger(Schedules.class);
  /** Bound of the ticks counted when catching up (a tiny interval after a long outage). */
  private static final int MAX_TICKS_COUNTED = 100_000;

  /** A tick: its job (unless skipped by the catch-up policy) and the schedule's new last tick. */
  record Tick(TopicPartition partition, String name, long tick, ScheduleSpec spec, boolean makesJob) implements OwnedTopic.Action {
    @Override
    public String key() {
      return name;
    }

    String jobId() {
      return JobIds.forScheduleTick(name, tick);
    }
  }

  private static final class Entry {
    ScheduleSpec spec; // null: only a state record seen (deleted, or its spec not read yet)
    long lastTick;
    long definedAt; // when the current definition was written: no tick at or before it
    boolean inFlight;
  }

  private final PartitionStates<Map<String, Entry>> partitions = new PartitionStates<>(HashMap::new);
  private final TopicSettings topics;
  private final String writerName;
  private final Counter ticked;
  private final Counter skipped;

  /** @param writerName written into each tick's Pending as its author ("gateway-" + instance id) */
  public Schedules(TopicSettings topics, String writerName, MeterRegistry metrics) {
    this.topics = topics;
    this.writerName = writerName;
    this.ticked = Counter.builder("pipeline.schedules.ticks").description("Schedule ticks that made a job").register(metrics);
    this.skipped = Counter.builder("pipeline.schedules.ticks.skipped").description("Missed schedule ticks skipped by their catch-up policy")
        .register(metrics);
  }

  @Override
  public String topic() {
    return topics.schedules();
  }

  @Override
  public PartitionStates<?> partitions() {
    return partitions;
  }

  @Override
  public void apply(ConsumerRecord<String, byte[]> record) {
    Map<String, Entry> schedules = partitions.of(record);
    if (schedules == null || record.key() == null) {
      return;
    }
    String stateOf = ScheduleRecords.scheduleOfState(record.key());
    String name = stateOf != null ? stateOf : record.key();
    Entry entry = schedules.computeIfAbsent(name, n -> new Entry());
    if (stateOf != null) {
      entry.lastTick = record.value() == null ? 0 : Math.max(entry.lastTick, ScheduleRecords.lastTick(record.value()));
    } else if (record.value() == null) {
      entry.spec = null;
    } else {
      try {
        entry.spec = ScheduleSpec.fromJson(record.value());
        entry.definedAt = ScheduleRecords.definedAt(record, entry.spec);
      } catch (IOException | RuntimeException e) {
        log.error("schedule {}: unreadable record at {}-{}@{}; it does not tick: {}", name, record.topic(), record.partition(),
            record.offset(), e.toString());
        entry.spec = null;
      }
    }
  }

  @Override
  public long nextDue() {
    long next = Long.MAX_VALUE;
    for (Map<String, Entry> schedules : partitions.loaded().values()) {
      for (Entry e : schedules.values()) {
        if (e.spec != null && !e.spec.paused() && !e.inFlight) {
          next = Math.min(next, e.spec.nextTick(from(e)));
        }
      }
    }
    return next;
  }

  @Override
  public List<OwnedTopic.Action> due(long nowMillis, int max) {
    List<OwnedTopic.Action> due = new ArrayList<>();
    for (Map.Entry<TopicPartition, Map<String, Entry>> part : partitions.loaded().entrySet()) {
      for (Map.Entry<String, Entry> schedule : part.getValue().entrySet()) {
        Entry e = schedule.getValue();
        if (due.size() >= max || e.spec == null || e.spec.paused() || e.inFlight) {
          continue;
        }
        Tick tick = nextTick(part.getKey(), schedule.getKey(), e, nowMillis);
        if (tick != null) {
          e.inFlight = true;
          due.add(tick);
        }
      }
    }
    return due;
  }

  /** The tick to act on now, after the catch-up policy, or null if none is due. */
  private Tick nextTick(TopicPartition partition, String name, Entry e, long now) {
    ScheduleSpec spec = e.spec;
    long next = spec.nextTick(from(e));
    if (next > now) {
      return null;
    }
    if (!spec.catchUpAll()) {
      long latest = latestTickAtOrBefore(spec, next, now);
      boolean late = now - latest > ScheduleSpec.SKIP_GRACE.toMillis();
      return new Tick(partition, name, latest, spec, !late); // older missed ticks skipped; a late latest one too
    }
    // Run each missed tick, oldest first, but at most maxCatchUp of them: older ones are skipped
    // (the state moves to the last skipped one, so the next turn runs the oldest kept).
    ArrayDeque<Long> window = new ArrayDeque<>();
    long lastDropped = 0;
    long t = next;
    for (int i = 0; i < MAX_TICKS_COUNTED && t <= now; i++) {
      window.addLast(t);
      if (window.size() > spec.maxCatchUp()) {
        lastDropped = window.removeFirst();
      }
      t = spec.nextTick(t);
    }
    return lastDropped == 0 ? new Tick(partition, name, next, spec, true) : new Tick(partition, name, lastDropped, spec, false);
  }

  private static long latestTickAtOrBefore(ScheduleSpec spec, long from, long now) {
    long latest = from;
    long t = spec.nextTick(from);
    for (int i = 0; i < MAX_TICKS_COUNTED && t <= now; i++) {
      latest = t;
      t = spec.nextTick(t);
    }
    return latest;
  }

  /** A schedule's ticks start after its definition (creation, replacement or resume) was written, and after the last one written. */
  private static long from(Entry e) {
    return Math.max(e.lastTick, e.definedAt);
  }

  @Override
  public List<ProducerRecord<String, Object>> records(OwnedTopic.Action action) {
    Tick tick = (Tick) action;
    ProducerRecord<String, Object> state = ScheduleRecords.state(topics.schedules(), tick.partition().partition(), tick.name(), tick.tick());
    if (!tick.makesJob()) {
      return List.of(state);
    }
    String jobId = tick.jobId();
    TemplateInput job = tick.spec().job(jobId, tick.tick());
    JobStatus pending = JobStatuses.pending(jobId, job.getTask().name(), writerName, null, null);
    pending.setPriority(tick.spec().priority() == Priority.BULK ? Priority.BULK.wireName() : null);
    return List.of(new ProducerRecord<>(topics.input(tick.spec().priority()), jobId, job),
        new ProducerRecord<>(topics.status(), jobId, pending), state);
  }

  @Override
  public void done(List<OwnedTopic.Action> actions) {
    for (OwnedTopic.Action action : actions) {
      Tick tick = (Tick) action;
      Map<String, Entry> schedules = partitions.of(tick.partition());
      Entry e = schedules == null ? null : schedules.get(tick.name());
      if (e != null) {
        e.inFlight = false;
        e.lastTick = Math.max(e.lastTick, tick.tick());
      }
      if (tick.makesJob()) {
        ticked.increment();
        log.info("schedule {}: tick {} made job {}", tick.name(), Instant.ofEpochMilli(tick.tick()), tick.jobId());
      } else {
        skipped.increment();
        log.info("schedule {}: missed ticks up to {} skipped (catch-up policy)", tick.name(), Instant.ofEpochMilli(tick.tick()));
      }
    }
  }

  @Override
  public void release(List<OwnedTopic.Action> actions) {
    for (OwnedTopic.Action action : actions) {
      Map<String, Entry> schedules = partitions.of(action.partition());
      Entry e = schedules == null ? null : schedules.get(action.key());
      if (e != null) {
        e.inFlight = false;
      }
    }
  }
}
