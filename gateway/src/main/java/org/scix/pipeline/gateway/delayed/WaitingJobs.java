package org.scix.pipeline.gateway.delayed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.kafka.DelayedRecords;

/**
 * What this replica knows of the delayed-topic partitions it owns, folded from the topic read
 * from its beginning: the jobs still waiting and the cancel requests not acted on yet. Nothing of
 * a partition is due until it was read up to where it stood when it was assigned (its last stable
 * offset then), so a job handed on or cancelled by the previous owner is known as such first.
 * Poll thread only.
 */
final class WaitingJobs {
  /** What is due now, one job each. */
  sealed interface Action {
    TopicPartition partition();

    String jobId();
  }

  /** A job whose time has come: hand it to the workers. */
  record HandOn(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> record) implements Action {}

  /** A cancel request for a job still waiting: it ends cancelled and never runs. */
  record CancelWaiting(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> record,
      ConsumerRecord<String, byte[]> request) implements Action {}

  /** A cancel request for a job no longer waiting (handed on already, or unknown): it goes to the input topic like any cancel. */
  record PassCancelOn(TopicPartition partition, String jobId, ConsumerRecord<String, byte[]> request) implements Action {}

  private static final class Partition {
    final long loadedAt; // the offset to reach before anything is due
    boolean loaded;
    final Map<String, ConsumerRecord<String, byte[]>> waiting = new HashMap<>();
    final Map<String, ConsumerRecord<String, byte[]>> cancels = new LinkedHashMap<>();
    final Map<String, Long> inFlight = new HashMap<>(); // acted on in a transaction not settled yet: not due again

    Partition(long loadedAt) {
      this.loadedAt = loadedAt;
      this.loaded = loadedAt <= 0;
    }
  }

  private final Map<TopicPartition, Partition> partitions = new HashMap<>();

  /** A partition this replica now owns, to be read from its beginning up to {@code loadedAt}. */
  void assigned(TopicPartition partition, long loadedAt) {
    partitions.put(partition, new Partition(loadedAt));
  }

  /** Partitions another replica owns now: forgotten here. */
  void forget(Collection<TopicPartition> gone) {
    gone.forEach(partitions::remove);
  }

  /** One record of an owned partition, in offset order. */
  void apply(ConsumerRecord<String, byte[]> record) {
    Partition p = partitions.get(new TopicPartition(record.topic(), record.partition()));
    if (p == null || record.key() == null) {
      return;
    }
    String cancelled = DelayedRecords.cancelledJob(record.key());
    Map<String, ConsumerRecord<String, byte[]>> map = cancelled != null ? p.cancels : p.waiting;
    String jobId = cancelled != null ? cancelled : record.key();
    if (record.value() == null) {
      map.remove(jobId); // tombstone: handed on, cancelled, or the request acted on
      p.inFlight.remove(jobId);
    } else {
      map.put(jobId, record);
    }
  }

  /** The reader reached {@code position} in {@code partition}. */
  void readUpTo(TopicPartition partition, long position) {
    Partition p = partitions.get(partition);
    if (p != null && !p.loaded && position >= p.loadedAt) {
      p.loaded = true;
    }
  }

  boolean isLoaded(TopicPartition partition) {
    Partition p = partitions.get(partition);
    return p != null && p.loaded;
  }

  /** Up to {@code max} actions due at {@code nowMillis}, cancels first; each stays held until its tombstone is read or {@link #release}. */
  List<Action> due(long nowMillis, int max) {
    List<Action> due = new ArrayList<>();
    for (Map.Entry<TopicPartition, Partition> entry : partitions.entrySet()) {
      Partition p = entry.getValue();
      if (!p.loaded) {
        continue;
      }
      for (Map.Entry<String, ConsumerRecord<String, byte[]>> cancel : p.cancels.entrySet()) {
        String jobId = cancel.getKey();
        if (due.size() >= max || p.inFlight.containsKey(jobId)) {
          continue;
        }
        ConsumerRecord<String, byte[]> waiting = p.waiting.get(jobId);
        due.add(waiting != null ? new CancelWaiting(entry.getKey(), jobId, waiting, cancel.getValue())
            : new PassCancelOn(entry.getKey(), jobId, cancel.getValue()));
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
    due.forEach(action -> partitions.get(action.partition()).inFlight.put(action.jobId(), nowMillis));
    return due;
  }

  /** Actions whose transaction did not commit: due again. */
  void release(List<Action> actions) {
    for (Action action : actions) {
      Partition p = partitions.get(action.partition());
      if (p != null) {
        p.inFlight.remove(action.jobId());
      }
    }
  }

  /** Actions whose transaction committed: done, before their tombstones are read back. */
  void done(List<Action> actions) {
    for (Action action : actions) {
      Partition p = partitions.get(action.partition());
      if (p == null) {
        continue;
      }
      p.inFlight.remove(action.jobId());
      p.cancels.remove(action.jobId());
      if (!(action instanceof PassCancelOn)) {
        p.waiting.remove(action.jobId());
      }
    }
  }

  /** When the earliest waiting job of a loaded partition is due (epoch ms), or Long.MAX_VALUE. */
  long nextDue() {
    long next = Long.MAX_VALUE;
    for (Partition p : partitions.values()) {
      if (!p.cancels.isEmpty() && p.loaded) {
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
    return partitions.values().stream().mapToInt(p -> p.waiting.size()).sum();
  }
}
