package org.scix.pipeline.localstack;

/** A running Kafka cluster and Confluent-API schema registry, however they were obtained. */
public interface KafkaStack extends AutoCloseable {
  String bootstrapServers();

  /** Base URL of the Confluent API (may carry a path). */
  String schemaRegistryUrl();

  /** Human-readable origin, for logs: local child JVMs, Testcontainers or an existing cluster. */
  String description();

  /** Whether the fault-injection calls below work: only where this stack owns its brokers. */
  default boolean canRestartBroker() {
    return false;
  }

  /** Whether {@link #pauseBroker} and {@link #resumeBroker} work (a frozen node: SIGSTOP, or {@code docker pause}). */
  default boolean canPauseBroker() {
    return canRestartBroker();
  }

  /** How many Kafka nodes (node ids 1..n). */
  default int brokerCount() {
    return 1;
  }

  /** Fault injection on one node (ids 1..{@link #brokerCount}): clean stop, start, SIGKILL, SIGSTOP and SIGCONT. */
  default void stopBroker(int nodeId) {
    throw new UnsupportedOperationException(description() + " cannot stop its brokers");
  }

  default void startBroker(int nodeId) {
    throw new UnsupportedOperationException(description() + " cannot start its brokers");
  }

  default void killBroker(int nodeId) {
    throw new UnsupportedOperationException(description() + " cannot kill its brokers");
  }

  default void pauseBroker(int nodeId) {
    throw new UnsupportedOperationException(description() + " cannot pause its brokers");
  }

  default void resumeBroker(int nodeId) {
    throw new UnsupportedOperationException(description() + " cannot resume its brokers");
  }

  @Override
  void close();
}
