package org.scix.pipeline.core.kafka;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.core.config.KafkaSettings;

/**
 * The largest record our producers send (their {@code max.request.size}), and the one rule both
 * services use to serialize a record up front and check it fits, so that an oversize record fails
 * alone instead of aborting the transaction it would have joined.
 */
public record RecordSizeLimit(int maxBytes) {
  /** Key, headers and the record's own framing are small next to the value; this leaves room for them. */
  private static final int FRAMING_BYTES = 512;

  /** The limit of a producer built from {@code kafka}: {@code KAFKA_CLIENT_MAX_REQUEST_SIZE}, else Kafka's 1 MiB. */
  public static RecordSizeLimit of(KafkaSettings kafka) {
    String configured = kafka.clientProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    return new RecordSizeLimit(configured == null ? 1024 * 1024 : Integer.parseInt(configured.trim()));
  }

  /** What a record of this key and value counts against the limit. */
  public static int sizeOf(String key, byte[] value) {
    return (key == null ? 0 : key.length()) + (value == null ? 0 : value.length) + FRAMING_BYTES;
  }

  public boolean fits(String key, byte[] value) {
    return sizeOf(key, value) <= maxBytes;
  }

  /**
   * The record with its value serialized now, on the caller's thread.
   *
   * @throws TooLarge if Kafka would not take it
   */
  public ProducerRecord<String, Object> serialized(ProducerRecord<String, Object> record, Serializer<Object> values) {
    byte[] value = values.serialize(record.topic(), record.value());
    int size = sizeOf(record.key(), value);
    if (size > maxBytes) {
      throw new TooLarge(record.topic(), size, maxBytes);
    }
    return new ProducerRecord<>(record.topic(), record.partition(), record.key(), value, record.headers());
  }

  /** A record larger than Kafka takes. */
  public static final class TooLarge extends RuntimeException {
    private final int size;
    private final int limit;

    TooLarge(String topic, int size, int limit) {
      super("a record of " + size + " bytes for " + topic + " is more than the " + limit
          + " bytes Kafka takes (KAFKA_CLIENT_MAX_REQUEST_SIZE)");
      this.size = size;
      this.limit = limit;
    }

    public int size() {
      return size;
    }

    public int limit() {
      return limit;
    }
  }
}
