package org.scix.pipeline.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.util.Threads;

/**
 * Follows the status topic (read_committed) for a whole run and keeps every record it reads: the
 * raw history. A run longer than a status-segment roll lets compaction drop a job's earlier
 * events, a doubled end among them; a read only at the end would no longer see it.
 */
public final class StatusTail implements AutoCloseable {
  private final Map<String, ConsumerRecord<String, byte[]>> seen = new ConcurrentHashMap<>(); // by place (TopicHistory.at)
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile RuntimeException failure;

  public StatusTail(KafkaSettings kafka, String topic) {
    thread = Threads.daemon("chaos-status-tail", () -> follow(kafka, topic));
    thread.start();
  }

  private void follow(KafkaSettings kafka, String topic) {
    try (TopicReader reader = TopicReader.open(kafka, "chaos-status-tail")) {
      Consumer<String, byte[]> consumer = reader.consumer();
      List<TopicPartition> partitions = List.of();
      while (running && partitions.isEmpty()) { // the gateways may still be making the topics
        partitions = TopicReader.partitionsOrEmpty(consumer, topic, Duration.ofSeconds(5));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (running) {
        try {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            seen.put(TopicHistory.at(record.partition(), record.offset()), record);
          }
          for (TopicPartition partition : partitions) {
            positions.put(partition, consumer.position(partition, Duration.ofSeconds(5)));
          }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          // a broker is away (the run's faults): keep following
        }
      }
    } catch (RuntimeException e) {
      failure = e; // union() says so
    }
  }

  /**
   * Every record the tail saw and every one of {@code atTheEnd} (a read to the ends now), each
   * once, in topic order per partition. Waits up to {@code timeout} for the tail to reach where
   * that read ended (warning if it did not).
   */
  public List<ConsumerRecord<String, byte[]>> union(List<ConsumerRecord<String, byte[]>> atTheEnd, Duration timeout) {
    Map<TopicPartition, Long> ends = new HashMap<>();
    atTheEnd.forEach(r -> ends.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ends.entrySet().stream().anyMatch(e -> positions.getOrDefault(e.getKey(), 0L) < e.getValue())) {
      if (failure != null || System.nanoTime() > deadline) {
        // Still the union: what the tail missed is what compaction may have hidden, so say so rather than lose the whole check.
        System.err.println("chaos: WARNING: the status tail " + (failure != null ? "failed (" + failure + ")" : "fell behind")
            + "; the raw history may miss compacted events");
        break;
      }
      sleep();
    }
    return merge(seen.values(), atTheEnd);
  }

  /** Each record of either, once (by partition and offset: compaction keeps offsets), in topic order per partition. */
  static List<ConsumerRecord<String, byte[]>> merge(java.util.Collection<ConsumerRecord<String, byte[]>> seen,
      List<ConsumerRecord<String, byte[]>> atTheEnd) {
    Map<String, ConsumerRecord<String, byte[]>> all = new HashMap<>();
    seen.forEach(r -> all.put(TopicHistory.at(r.partition(), r.offset()), r));
    atTheEnd.forEach(r -> all.putIfAbsent(TopicHistory.at(r.partition(), r.offset()), r));
    List<ConsumerRecord<String, byte[]>> ordered = new ArrayList<>(all.values());
    ordered.sort(Comparator.<ConsumerRecord<String, byte[]>>comparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
    return ordered;
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}
