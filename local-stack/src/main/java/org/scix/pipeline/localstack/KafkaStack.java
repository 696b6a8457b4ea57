package org.scix.pipeline.localstack;

/** A running Kafka cluster and Confluent-API schema registry, however they were obtained. */
public interface KafkaStack extends AutoCloseable {
  String bootstrapServers();

  /** Base URL of the Confluent API (may carry a path). */
  String schemaRegistryUrl();

  /** Human-readable origin, for logs: local child JVMs, Testcontainers or an existing cluster. */
  String description();

  /** Stops the broker (for fault-injection tests); unsupported where this stack does not own it. */
  default void stopBroker() {
    throw new UnsupportedOperationException(description() + " cannot stop its broker");
  }

  default void startBroker() {
    throw new UnsupportedOperationException(description() + " cannot start its broker");
  }

  default boolean canRestartBroker() {
    return false;
  }

  @Override
  void close();
}
