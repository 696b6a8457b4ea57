package org.scix.pipeline.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.scix.pipeline.core.config.KafkaSettings;

/**
 * Reads a topic without a consumer group, {@code read_committed}: from the beginning or the end,
 * up to the end offsets present at start (or forever with {@code follow}).
 */
final class TopicReader {
  private TopicReader() {}

  static void read(KafkaSettings kafka, String topic, Integer partition, boolean fromBeginning, boolean follow,
      Consumer<ConsumerRecord<String, byte[]>> sink, java.util.function.BooleanSupplier enough) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "scix-pipeline-cli");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist");
      }
      List<TopicPartition> partitions = infos.stream()
          .filter(p -> partition == null || p.partition() == partition)
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (partitions.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' has no partition " + partition);
      }
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      Map<TopicPartition, Long> remaining = new HashMap<>(consumer.endOffsets(partitions));
      remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      while (!enough.getAsBoolean() && (follow || !remaining.isEmpty())) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (enough.getAsBoolean()) {
            return;
          }
          sink.accept(record);
        }
        remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      }
    }
  }
}
