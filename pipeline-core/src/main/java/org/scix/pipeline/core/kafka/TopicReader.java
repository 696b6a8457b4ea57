package org.scix.pipeline.core.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.scix.pipeline.core.config.KafkaSettings;

/**
 * Reads a topic without a consumer group, {@code read_committed}, up to the end offsets present
 * when the read starts (or for ever): the one implementation of "read a topic to its end" used by
 * the gateway's status view, the CLI, the benchmarks and the system tests.
 */
public final class TopicReader implements AutoCloseable {
  private final Consumer<String, byte[]> consumer;

  public TopicReader(Consumer<String, byte[]> consumer) {
    this.consumer = consumer;
  }

  /** A reader on a new {@code read_committed} consumer of its own. */
  public static TopicReader open(KafkaSettings kafka, String clientId) {
    return new TopicReader(newConsumer(kafka, clientId));
  }

  /** A {@code read_committed} consumer without a group, for a reader that lives as long as its process. */
  public static KafkaConsumer<String, byte[]> newConsumer(KafkaSettings kafka, String clientId) {
    return newConsumer(kafka, clientId, IsolationLevel.READ_COMMITTED);
  }

  /**
   * A consumer without a group. {@link IsolationLevel#READ_UNCOMMITTED} is for asking where a
   * topic's end is (its high watermark): a {@code read_committed} consumer's end offsets are the
   * last stable offsets, which stop at the first open transaction and hide what committed after it.
   */
  public static KafkaConsumer<String, byte[]> newConsumer(KafkaSettings kafka, String clientId, IsolationLevel isolation) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    // fetch.max.wait.ms stays at Kafka's 500 ms: a parked fetch is answered as soon as data commits,
    // and a short wait would only cost idle CPU here and on the broker (docs/benchmarks.md, "Idle").
    // Partitions added to a topic show up in the metadata within this time (Kafka's default: 5 min).
    config.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** The consumer it reads with, for reads this class does not shape (one record by its offset, end offsets). */
  public Consumer<String, byte[]> consumer() {
    return consumer;
  }

  /** Where a read starts. */
  public enum From { BEGINNING, END }

  /** Told each record read. */
  @FunctionalInterface
  public interface RecordSink {
    void accept(ConsumerRecord<String, byte[]> record);
  }

  /** The partitions of {@code topic}; fails naming the topic if it does not exist. */
  public List<TopicPartition> partitions(String topic, Duration timeout) {
    List<TopicPartition> partitions = partitionsOrEmpty(consumer, topic, timeout);
    if (partitions.isEmpty()) {
      throw new IllegalArgumentException("topic '" + topic + "' does not exist");
    }
    return partitions;
  }

  /** The partitions of {@code topic}, or none if Kafka does not know it (yet). */
  public static List<TopicPartition> partitionsOrEmpty(Consumer<?, ?> consumer, String topic, Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  /**
   * Reads {@code partitions} from {@code from} up to their end offsets now (or for ever with
   * {@code follow}), handing each record to {@code sink}, until {@code enough} says so.
   */
  public void read(List<TopicPartition> partitions, From from, boolean follow, RecordSink sink, BooleanSupplier enough) {
    consumer.assign(partitions);
    if (from == From.BEGINNING) {
      consumer.seekToBeginning(partitions);
    } else {
      consumer.seekToEnd(partitions);
    }
    Map<TopicPartition, Long> remaining = new HashMap<>(consumer.endOffsets(partitions));
    while (!enough.getAsBoolean() && (follow || !reached(consumer, remaining))) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        if (enough.getAsBoolean()) {
          return;
        }
        sink.accept(record);
      }
    }
  }

  /** Every committed record of {@code topic} up to its end offsets now. */
  public List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    read(partitions(topic, Duration.ofSeconds(15)), From.BEGINNING, false, records::add, () -> false);
    return records;
  }

  /**
   * Whether {@code consumer}'s position has reached every target offset; drops the targets it has
   * reached, so a caller can keep one map across polls.
   */
  public static boolean reached(Consumer<?, ?> consumer, Map<TopicPartition, Long> targets) {
    targets.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    return targets.isEmpty();
  }

  /** The end offsets of {@code partitions} now: for {@code read_committed}, the last stable offsets. */
  public static Map<TopicPartition, Long> endOffsets(Consumer<?, ?> consumer, Collection<TopicPartition> partitions, Duration timeout) {
    return new HashMap<>(consumer.endOffsets(partitions, timeout));
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
