package org.scix.pipeline.gateway.lookup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.gateway.status.OutputLocation;

/**
 * Reads a succeeded job's outputs where its terminal status says they are: one partition, from the
 * first to the last offset, keeping the records keyed by the job (and, when listed, at its
 * offsets). No scan of the output topic; what retention or compaction removed is reported as
 * missing, not searched for.
 */
public final class LocatedOutputs implements AutoCloseable {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;

  public LocatedOutputs(KafkaSettings kafka, String topic, String clientId) {
    this.consumer = TopicReader.newConsumer(kafka, clientId, IsolationLevel.READ_COMMITTED);
    this.topic = topic;
  }

  /** What was found: the records in emitted order, and how many of the located ones are gone. */
  public record Found(List<ConsumerRecord<String, byte[]>> records, int gone, boolean beforeLogStart) {}

  public String topic() {
    return topic;
  }

  public synchronized Found read(String jobId, OutputLocation where) {
    if (where.count() == 0) {
      return new Found(List.of(), 0, false);
    }
    TopicPartition partition = new TopicPartition(topic, where.partition());
    consumer.assign(List.of(partition));
    long logStart = consumer.beginningOffsets(List.of(partition), READ_TIMEOUT).get(partition);
    Set<Long> listed = where.offsets() == null ? null : new HashSet<>(Arrays.stream(where.offsets()).boxed().toList());
    List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
    long from = Math.max(where.firstOffset(), logStart);
    if (from <= where.lastOffset()) {
      consumer.seek(partition, from);
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (consumer.position(partition) <= where.lastOffset() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() > where.lastOffset()) {
            break;
          }
          if (jobId.equals(record.key()) && record.value() != null && (listed == null || listed.contains(record.offset()))) {
            found.add(record);
          }
        }
      }
    }
    if (listed != null) { // in the order the task emitted them
      Map<Long, Integer> order = new java.util.HashMap<>();
      for (int i = 0; i < where.offsets().length; i++) {
        order.put(where.offsets()[i], i);
      }
      found.sort((a, b) -> Integer.compare(order.get(a.offset()), order.get(b.offset())));
    }
    return new Found(found, where.count() - found.size(), where.firstOffset() < logStart);
  }

  @Override
  public synchronized void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
