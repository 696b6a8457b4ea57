package org.scix.pipeline.localstack;

import java.util.List;

/** How a local Kafka node's JVM runs. */
public enum BrokerJvm {
  /**
   * Quick to start and small: C1 only, serial GC, 512 MB at most. Right for tests and
   * {@code ./pipeline up}, where start-up time matters and load is light; wrong for a benchmark.
   */
  QUICK_START(List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")),
  /**
   * As {@code kafka-server-start.sh} runs a broker: its heap ({@code -Xmx1G -Xms1G}) and
   * {@code kafka-run-class.sh}'s KAFKA_JVM_PERFORMANCE_OPTS (G1, C2). What benchmarks run on.
   */
  AS_KAFKA_SHIPS_IT(List.of("-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
      "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true"));

  private final List<String> options;

  BrokerJvm(List<String> options) {
    this.options = options;
  }

  public List<String> options() {
    return options;
  }
}
