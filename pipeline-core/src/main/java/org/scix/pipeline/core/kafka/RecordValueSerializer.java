package org.scix.pipeline.core.kafka;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.schemas.serde.ConfluentAvroSerializer;

/** Avro records in the Confluent wire format; raw bytes (dead letters keep the original bytes) as they are. */
public final class RecordValueSerializer implements Serializer<Object> {
  private final ConfluentAvroSerializer<SpecificRecord> avro;

  public RecordValueSerializer(ConfluentAvroSerializer<SpecificRecord> avro) {
    this.avro = avro;
  }

  @Override
  public byte[] serialize(String topic, Object data) {
    if (data == null || data instanceof byte[]) {
      return (byte[]) data;
    }
    return avro.serialize(topic, (SpecificRecord) data);
  }
}
