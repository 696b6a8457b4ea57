package org.scix.pipeline.gateway.lookup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.TopicReader;

/**
 * Finds a job's records on a topic keyed by job id (its submitted arguments on the input topic, its
 * results on the output topic) without an index: the key's partition (Kafka's default partitioner,
 * as the gateway and workers produced them), from the offset of a time just before the job's, read
 * forward over a bounded number of records. Partitions added after the job was written are not
 * followed (the key may have hashed elsewhere then).
 */
final class JobRecordsLookup implements AutoCloseable {
  private static final int MAX_SCANNED = 20_000;
  private final KafkaConsumer<String, byte[]> consumer;

  JobRecordsLookup(KafkaSettings kafka, String clientId) {
    this.consumer = TopicReader.newConsumer(kafka, clientId, IsolationLevel.READ_COMMITTED);
  }

  /** Values of {@code jobId}'s records on {@code topic} written in {@code [fromMillis, toMillis]}, decoded as text. */
  synchronized List<String> find(String topic, String jobId, long fromMillis, long toMillis, Deserializer<?> values) {
    int partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).size();
    TopicPartition partition = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions);
    Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(Map.of(partition, Math.max(0, fromMillis)), Duration.ofSeconds(5));
    List<String> found = new ArrayList<>();
    if (start.get(partition) == null) {
      return found; // nothing written since then
    }
    long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(5)).get(partition);
    consumer.assign(List.of(partition));
    consumer.seek(partition, start.get(partition).offset());
    int scanned = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (consumer.position(partition) < end && scanned < MAX_SCANNED && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        scanned++;
        if (record.timestamp() > toMillis) {
          return found;
        }
        if (jobId.equals(record.key()) && record.value() != null && ControlRecords.instruction(record.headers()) == null) {
          found.add(String.valueOf(values.deserialize(topic, record.value())));
        }
      }
    }
    return found;
  }

  @Override
  public synchronized void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
