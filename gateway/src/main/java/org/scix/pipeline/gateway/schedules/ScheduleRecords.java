package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.gateway.http.Json;

/**
 * The schedules topic's records. A schedule is keyed by its name (its JSON, or a tombstone once
 * deleted); when it last ticked is keyed {@code <name>/state}, written by the owner with each
 * tick's job. Both go to the partition {@link DelayedRecords#partitionFor} gives the name, so its
 * owner reads both.
 */
public final class ScheduleRecords {
  private static final String STATE_SUFFIX = "/state";

  private ScheduleRecords() {}

  public static String stateKey(String name) {
    return name + STATE_SUFFIX;
  }

  /** The schedule a state key belongs to, or null for a schedule's own key. */
  public static String scheduleOfState(String key) {
    return key != null && key.endsWith(STATE_SUFFIX) ? key.substring(0, key.length() - STATE_SUFFIX.length()) : null;
  }

  public static ProducerRecord<String, Object> schedule(String topic, int partitions, ScheduleSpec spec) {
    return new ProducerRecord<>(topic, DelayedRecords.partitionFor(spec.name(), partitions), spec.name(), spec.toJson());
  }

  /**
   * When the definition {@code record} holds took effect: its ticks are the ones after this (and
   * after the last tick written). It is the record's Kafka timestamp, stored with the record, so
   * the owner, a later owner and every replica's listing agree on it, and it moves with each
   * write of the definition: a resume (or a replace) continues with the first tick after it
   * rather than firing the ticks of the pause. The spec's {@code created_at} serves only a record
   * without a timestamp.
   */
  public static long definedAt(ConsumerRecord<?, ?> record, ScheduleSpec spec) {
    return record.timestamp() >= 0 ? record.timestamp() : spec.createdAt();
  }

  public static ProducerRecord<String, Object> state(String topic, int partition, String name, long lastTick) {
    return new ProducerRecord<>(topic, partition, stateKey(name), stateJson(lastTick));
  }

  /** Tombstones of a schedule and its state. */
  public static java.util.List<ProducerRecord<String, Object>> deleted(String topic, int partitions, String name) {
    int partition = DelayedRecords.partitionFor(name, partitions);
    return java.util.List.of(new ProducerRecord<>(topic, partition, name, null), new ProducerRecord<>(topic, partition, stateKey(name), null));
  }

  public static long lastTick(byte[] stateJson) {
    try {
      JsonNode node = Json.MAPPER.readTree(stateJson);
      return node.path("last_tick").asLong(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] stateJson(long lastTick) {
    return ("{\"last_tick\":" + lastTick + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
