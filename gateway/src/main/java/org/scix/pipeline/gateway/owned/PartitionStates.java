package org.scix.pipeline.gateway.owned;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * An {@link OwnedTopic}'s state per owned partition ({@code S}), and whether the partition was
 * read up to where it stood when it was assigned: nothing of a partition is due before, so what the
 * previous owner did is known first.
 */
public final class PartitionStates<S> {
  private static final class Owned<S> {
    final long loadedAt;
    boolean loaded;
    final S state;

    Owned(long loadedAt, S state) {
      this.loadedAt = loadedAt;
      this.loaded = loadedAt <= 0;
      this.state = state;
    }
  }

  private final Supplier<S> fresh;
  private final Map<TopicPartition, Owned<S>> partitions = new LinkedHashMap<>();

  /** @param fresh the state of a partition before anything of it was read */
  public PartitionStates(Supplier<S> fresh) {
    this.fresh = fresh;
  }

  public void assigned(TopicPartition partition, long loadedAt) {
    partitions.put(partition, new Owned<>(loadedAt, fresh.get()));
  }

  public void forget(Collection<TopicPartition> gone) {
    gone.forEach(partitions::remove);
  }

  public void readUpTo(TopicPartition partition, long position) {
    Owned<S> owned = partitions.get(partition);
    if (owned != null && !owned.loaded && position >= owned.loadedAt) {
      owned.loaded = true;
    }
  }

  /** The state of the partition {@code record} is on, or null if this replica does not own it. */
  public S of(ConsumerRecord<?, ?> record) {
    return of(new TopicPartition(record.topic(), record.partition()));
  }

  /** The state of {@code partition}, or null if this replica does not own it. */
  public S of(TopicPartition partition) {
    Owned<S> owned = partitions.get(partition);
    return owned == null ? null : owned.state;
  }

  /** The partitions read up to where they stood when assigned, with their state: those whose work may be due. */
  public Map<TopicPartition, S> loaded() {
    Map<TopicPartition, S> loaded = new LinkedHashMap<>();
    partitions.forEach((partition, owned) -> {
      if (owned.loaded) {
        loaded.put(partition, owned.state);
      }
    });
    return loaded;
  }

  /** Every owned partition's state, loaded or not. */
  public Collection<S> all() {
    return partitions.values().stream().map(owned -> owned.state).toList();
  }
}
