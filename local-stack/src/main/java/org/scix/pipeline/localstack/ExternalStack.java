package org.scix.pipeline.localstack;

/** A cluster someone else runs, named by {@code KAFKA_BOOTSTRAP_SERVERS} and {@code SCHEMA_REGISTRY_URL}. */
public record ExternalStack(String bootstrapServers, String schemaRegistryUrl) implements KafkaStack {
  @Override
  public String description() {
    return "existing cluster (Kafka at " + bootstrapServers + ", registry at " + schemaRegistryUrl + ")";
  }

  @Override
  public void close() {
    // not ours to stop
  }
}
