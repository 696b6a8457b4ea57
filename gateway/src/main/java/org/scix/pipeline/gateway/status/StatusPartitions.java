package org.scix.pipeline.gateway.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.kafka.TopicReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The status topic's partitions the reader is assigned: found at start, and those added later picked up (reader thread only). */
final class StatusPartitions {
  private static final Logger log = LoggerFactory.getLogger(StatusPartitions.class);

  private final String topic;
  private final Duration checkInterval;
  private final List<TopicPartition> assigned = new ArrayList<>();
  private long lastCheckNanos;

  StatusPartitions(String topic, Duration checkInterval) {
    this.topic = topic;
    this.checkInterval = checkInterval;
  }

  List<TopicPartition> assigned() {
    return assigned;
  }

  /** Waits until the topic has partitions (a broker not up yet), assigns them all; a wakeup if {@code running} turns false first. */
  List<TopicPartition> assignAll(Consumer<String, byte[]> consumer, BooleanSupplier running) {
    while (running.getAsBoolean()) {
      try {
        List<TopicPartition> found = TopicReader.partitionsOrEmpty(consumer, topic, Duration.ofSeconds(10));
        if (!found.isEmpty()) {
          assigned.addAll(found);
          consumer.assign(assigned);
          lastCheckNanos = System.nanoTime();
          return assigned;
        }
      } catch (TimeoutException e) {
        log.warn("status topic {} not reachable yet: {}", topic, e.getMessage());
      }
    }
    throw new WakeupException(); // closed before the topic was found
  }

  /** Partitions added to the topic since start are read too, from their beginning (checked once per interval). */
  void pickUpNew(Consumer<String, byte[]> consumer) {
    if (System.nanoTime() - lastCheckNanos < checkInterval.toNanos()) {
      return;
    }
    lastCheckNanos = System.nanoTime();
    List<TopicPartition> added = new ArrayList<>(TopicReader.partitionsOrEmpty(consumer, topic, Duration.ofSeconds(5)));
    added.removeAll(assigned);
    if (!added.isEmpty()) {
      assigned.addAll(added);
      consumer.assign(assigned);
      consumer.seekToBeginning(added);
      log.info("status view: reading {} partition(s) added to {}: {}", added.size(), topic, added);
    }
  }
}
