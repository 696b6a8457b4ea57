package org.scix.pipeline.gateway.owned;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work owned by exactly one gateway replica at a time, without a database: delayed jobs and
 * schedules. The replicas form a consumer group on compacted topics ({@link OwnedTopic}); the
 * owner of a partition reads it from its beginning and, when something of it is due, writes its
 * effect and the record that marks it done in one transaction, with an offset commit fenced by the
 * group's generation (KIP-447): a replica that lost the partition cannot commit. A new owner
 * first reads the partition's committed offset, which waits for a predecessor's open transaction
 * on it to end (Kafka's stable-offset fetch), then reads up to the last stable offset: what its
 * predecessor did is known before anything is due. So each due thing is done exactly once, by
 * whichever replica owns it, across restarts and the loss of a replica.
 */
public final class OwnedPartitions implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(OwnedPartitions.class);
  private static final int MAX_ACTIONS_PER_TRANSACTION = 500;
  /** A turn waits for records at most this long, less when something falls due sooner (a record ends the wait at once). */
  private static final long MAX_POLL_WAIT_MS = 1000;
  private static final long PARTITION_COUNT_MAX_AGE_MS = 60_000;
  private static final Duration PARTITION_COUNT_TIMEOUT = Duration.ofSeconds(1);

  private final Consumer<String, byte[]> consumer;
  private final TransactionalWriter writer;
  private final List<String> topicsWritten;
  private final Map<String, OwnedTopic> owned = new LinkedHashMap<>();
  private final Clock clock;
  // Assigned, or their transaction's outcome unknown, and not read from the beginning yet: nothing of them is held meanwhile.
  private final Set<TopicPartition> toReload = new HashSet<>();
  private boolean countsStale = true; // the topics' partition counts, read again after each rebalance
  private long countsReadAt;
  private volatile boolean running = true;
  private volatile boolean stopped;

  /**
   * @param consumer a read_committed consumer in the replicas' group, not subscribed yet
   * @param writer this replica's own transactional writer for this work
   * @param topicsWritten every topic an action may write (registered with the producer at start)
   */
  public OwnedPartitions(Consumer<String, byte[]> consumer, TransactionalWriter writer, List<OwnedTopic> topics,
      List<String> topicsWritten, Clock clock) {
    this.consumer = consumer;
    this.writer = writer;
    this.topicsWritten = topicsWritten;
    this.clock = clock;
    topics.forEach(t -> owned.put(t.topic(), t));
  }

  @Override
  public void run() {
    try {
      start();
      while (running) {
        try {
          turn();
        } catch (TransactionalWriter.Fenced | WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          // Kafka away (a timeout reading offsets), or the like: nothing is lost, the turn is taken again.
          log.warn("owned work ({}): {}; trying again in a second", owned.keySet(), e.toString());
          Threads.sleepQuietly(Duration.ofSeconds(1));
        }
      }
    } catch (TransactionalWriter.Fenced e) {
      log.error("owned work ({}): another gateway uses this instance id; this replica does none of it any more ({})", owned.keySet(),
          e.getMessage());
    } catch (WakeupException e) {
      // stop() while starting
    } catch (RuntimeException e) {
      log.error("owned work ({}) stopped on an unexpected error: {}", owned.keySet(), e.toString(), e);
    } finally {
      stopped = true;
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("closing the owned-work consumer: {}", e.toString());
      }
      writer.close();
    }
  }

  void start() {
    writer.init(topicsWritten);
    consumer.subscribe(List.copyOf(owned.keySet()), new Ownership());
  }

  /** One turn: read what arrived, then act on what is due in one transaction. */
  void turn() {
    if (!toReload.isEmpty()) {
      Set<TopicPartition> assigned = new HashSet<>(toReload);
      assigned.retainAll(consumer.assignment());
      reload(assigned); // Kafka still away: throws, the partitions stay queued and the next turn tries again
      toReload.clear();
    }
    long now = clock.millis();
    if (countsStale || now - countsReadAt >= PARTITION_COUNT_MAX_AGE_MS) {
      readPartitionCounts();
      countsStale = false;
      countsReadAt = now;
    }
    long nextDue = owned.values().stream().mapToLong(OwnedTopic::nextDue).min().orElse(Long.MAX_VALUE);
    long wait = Math.max(0, Math.min(MAX_POLL_WAIT_MS, nextDue - now));
    try {
      consumer.poll(Duration.ofMillis(wait)).forEach(record -> owned.get(record.topic()).apply(record));
    } catch (WakeupException e) {
      return;
    }
    consumer.assignment().forEach(partition -> owned.get(partition.topic()).readUpTo(partition, consumer.position(partition)));
    Map<OwnedTopic, List<OwnedTopic.Action>> due = new LinkedHashMap<>();
    int room = MAX_ACTIONS_PER_TRANSACTION;
    for (OwnedTopic topic : owned.values()) {
      List<OwnedTopic.Action> actions = topic.due(clock.millis(), room);
      if (!actions.isEmpty()) {
        due.put(topic, actions);
        room -= actions.size();
      }
    }
    if (!due.isEmpty()) {
      write(due);
    }
  }

  public void stop() {
    running = false;
    consumer.wakeup();
  }

  public boolean isStopped() {
    return stopped;
  }

  private void write(Map<OwnedTopic, List<OwnedTopic.Action>> due) {
    Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
    List<ProducerRecord<String, Object>> records = new ArrayList<>();
    due.forEach((topic, actions) -> actions.forEach(action -> {
      fence.put(action.partition(), new OffsetAndMetadata(consumer.position(action.partition())));
      records.addAll(topic.records(action));
    }));
    try {
      writer.write(transaction -> {
        records.forEach(transaction::send);
        transaction.sendOffsets(fence, consumer.groupMetadata());
      });
    } catch (TransactionalWriter.Aborted e) {
      log.warn("owned work: a transaction of {} record(s) aborted, will retry: {}", records.size(), e.getMessage());
      due.forEach(OwnedTopic::release);
      return;
    } catch (TransactionalWriter.OutcomeUnknown e) {
      // The writer replaced its producer, which settled the transaction; what committed is read
      // back from the topics. Not here: Kafka is likely still away, and a failed read must not
      // leave these actions held. The partitions are forgotten (their actions with them) and read
      // again from their beginning on a later turn, retried until Kafka answers.
      log.warn("owned work: outcome of a transaction unknown; re-reading {}: {}", fence.keySet(), e.getMessage());
      byTopic(fence.keySet()).forEach(OwnedTopic::forget);
      toReload.addAll(fence.keySet());
      return;
    }
    due.forEach(OwnedTopic::done);
  }

  /**
   * Partitions added to a topic start a rebalance, after which the consumer's metadata has them:
   * the count is read then (from that metadata, no request when it is cached), and now and then
   * in case this replica's assignment did not change.
   */
  private void readPartitionCounts() {
    for (OwnedTopic topic : owned.values()) {
      try {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic.topic(), PARTITION_COUNT_TIMEOUT);
        if (partitions != null && !partitions.isEmpty()) {
          topic.partitionCount(partitions.size());
        }
      } catch (WakeupException e) {
        throw e;
      } catch (RuntimeException e) {
        // Not worth holding up the due work: the count is read again within a minute.
        log.warn("owned work: cannot read the partition count of {}: {}", topic.topic(), e.toString());
      }
    }
  }

  /** Reads {@code partitions} again from where they begin, after the predecessor's (or our own) open transaction ended. */
  private void reload(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    consumer.committed(Set.copyOf(partitions)); // a stable-offset fetch: waits for a pending transactional commit on them
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions); // read_committed: the last stable offsets
    byTopic(partitions).forEach((topic, ps) -> {
      topic.forget(ps);
      ps.forEach(partition -> topic.assigned(partition, ends.getOrDefault(partition, 0L)));
    });
    consumer.seekToBeginning(partitions);
  }

  private Map<OwnedTopic, List<TopicPartition>> byTopic(Collection<TopicPartition> partitions) {
    return partitions.stream().collect(Collectors.groupingBy(p -> owned.get(p.topic())));
  }

  /** The group moves partitions between replicas: a new owner reads them whole; a former one forgets them. */
  private final class Ownership implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      countsStale = true; // perhaps partitions were added (called after every rebalance, even with none assigned here)
      if (!partitions.isEmpty()) {
        log.info("owned work: this replica now owns {}", partitions);
        toReload.addAll(partitions); // read on the next turn, outside the callback, where a Kafka timeout is retried
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      forget(partitions); // transactions run on this thread: none is open now
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      toReload.removeAll(partitions);
      byTopic(partitions).forEach(OwnedTopic::forget);
    }
  }
}
