package org.scix.pipeline.core.kafka;

import org.apache.avro.specific.SpecificRecord;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.serde.ConfluentAvroSerializer;

/** Serializers and deserializers of one process, sharing one registry client (and its caches). */
public final class PipelineSerdes {
  private final SchemaRegistryClient registry;

  public PipelineSerdes(KafkaSettings kafka) {
    this(new SchemaRegistryClient(kafka.registry()));
  }

  public PipelineSerdes(SchemaRegistryClient registry) {
    this.registry = registry;
  }

  public SchemaRegistryClient registry() {
    return registry;
  }

  public <T extends SpecificRecord> ConfluentAvroSerializer<T> serializer() {
    return new ConfluentAvroSerializer<>(registry);
  }

  /** Values of the records our transactional writers send: Avro records, or raw bytes passed through. */
  public RecordValueSerializer recordValues() {
    return new RecordValueSerializer(serializer());
  }

  public <T extends SpecificRecord> ConfluentAvroDeserializer<T> deserializer(Class<T> type) {
    return new ConfluentAvroDeserializer<>(registry, type);
  }
}
