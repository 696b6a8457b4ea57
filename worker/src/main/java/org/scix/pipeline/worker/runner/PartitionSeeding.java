package org.scix.pipeline.worker.runner;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a partition takes no record before it is seeded from the group's committed offset
 * and its metadata (the done offsets and recent job ids above it): a partition that started
 * without them would run every done offset again. Seeding happens at assignment; if reading the
 * offsets failed there (a timeout), the first poll that returns records of the partition seeds it,
 * and if that fails too, its records are put back (the consumer seeks to the first) for a later poll.
 */
final class PartitionSeeding {
  private static final Logger log = LoggerFactory.getLogger(PartitionSeeding.class);

  private final Consumer<String, byte[]> consumer;
  private final InFlightJobs jobs;

  PartitionSeeding(Consumer<String, byte[]> consumer, InFlightJobs jobs) {
    this.consumer = consumer;
    this.jobs = jobs;
  }

  /** Seeds {@code partitions} from the group's committed offsets; throws if they cannot be read (nothing is seeded then). */
  void seed(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = Consumers.committed(consumer, partitions);
    partitions.forEach(partition -> jobs.seed(partition, committed.get(partition)));
  }

  /** The polled records whose partitions are seeded (seeding the others first); the rest are polled again later. */
  List<ConsumerRecord<String, byte[]>> seeded(ConsumerRecords<String, byte[]> records) {
    Set<TopicPartition> unseeded = new HashSet<>();
    for (TopicPartition partition : records.partitions()) {
      if (!jobs.isSeeded(partition)) {
        unseeded.add(partition);
      }
    }
    if (!unseeded.isEmpty()) {
      try {
        seed(unseeded);
        log.info("partitions {} seeded from the group's committed offsets before their first record", unseeded);
        unseeded.clear();
      } catch (RuntimeException e) {
        log.warn("cannot read the committed offsets of {} yet ({}); their records wait for the next poll", unseeded, e.toString());
        for (TopicPartition partition : unseeded) {
          consumer.seek(partition, records.records(partition).get(0).offset());
        }
      }
    }
    List<ConsumerRecord<String, byte[]>> taken = new ArrayList<>(records.count());
    for (ConsumerRecord<String, byte[]> record : records) {
      if (!unseeded.contains(new TopicPartition(record.topic(), record.partition()))) {
        taken.add(record);
      }
    }
    return taken;
  }
}
