package org.scix.pipeline.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Kafka nodes and the registry as child JVMs, started together (in parallel) and stopped
 * together. One node, or three or more (replication factor 3, {@code min.insync.replicas} 2, see
 * {@link LocalKafkaBroker#cluster}). Logs and data under {@code workDir}.
 */
public final class LocalStack implements KafkaStack {
  private final List<LocalKafkaBroker> brokers;
  private final LocalSchemaRegistry registry;
  private Duration brokerStartTime = Duration.ZERO;
  private Duration registryStartTime = Duration.ZERO;

  private LocalStack(List<LocalKafkaBroker> brokers, LocalSchemaRegistry registry) {
    this.brokers = brokers;
    this.registry = registry;
  }

  /** A one-node stack on the given ports ({@code 0} picks a free one). */
  public static LocalStack start(Path workDir, int brokerPort, int registryPort) throws IOException, InterruptedException {
    return start(workDir, 1, brokerPort, registryPort);
  }

  /** {@code brokers} Kafka nodes (the first on {@code brokerPort}) and the registry ({@code 0}: any free port). */
  public static LocalStack start(Path workDir, int brokers, int brokerPort, int registryPort) throws IOException, InterruptedException {
    return start(workDir, brokers, brokerPort, registryPort, BrokerJvm.QUICK_START);
  }

  /** The same, the Kafka nodes' JVMs run as {@code jvm} (a benchmark runs them as Kafka ships them). */
  public static LocalStack start(Path workDir, int brokers, int brokerPort, int registryPort, BrokerJvm jvm)
      throws IOException, InterruptedException {
    LocalStack stack = new LocalStack(LocalKafkaBroker.cluster(workDir.resolve("kafka"), brokers, brokerPort, jvm),
        new LocalSchemaRegistry(workDir.resolve("registry"), registryPort == 0 ? Ports.free() : registryPort));
    try {
      stack.startBoth();
    } catch (IOException | InterruptedException | RuntimeException e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  private void startBoth() throws IOException, InterruptedException {
    // The two JVMs start independently; overlapping them halves the wait on 2 cores.
    Thread registryStarter = new Thread(() -> {
      try {
        registryStartTime = registry.start();
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }, "registry-start");
    final RuntimeException[] registryFailure = new RuntimeException[1];
    registryStarter.setUncaughtExceptionHandler((t, e) -> registryFailure[0] = (RuntimeException) e);
    registryStarter.start();
    brokerStartTime = startBrokers();
    registryStarter.join();
    if (registryFailure[0] != null) {
      throw registryFailure[0];
    }
  }

  /** The nodes start together: none is ready before a majority of the controllers is up. */
  private Duration startBrokers() throws IOException, InterruptedException {
    if (brokers.size() == 1) {
      return brokers.get(0).start();
    }
    long begin = System.nanoTime();
    for (LocalKafkaBroker broker : brokers) {
      broker.launch();
    }
    for (LocalKafkaBroker broker : brokers) {
      broker.awaitReady(Duration.ofSeconds(90));
    }
    return Duration.ofNanos(System.nanoTime() - begin);
  }

  public LocalKafkaBroker broker() {
    return brokers.get(0);
  }

  public List<LocalKafkaBroker> brokers() {
    return brokers;
  }

  public LocalSchemaRegistry registry() {
    return registry;
  }

  public Duration brokerStartTime() {
    return brokerStartTime;
  }

  public Duration registryStartTime() {
    return registryStartTime;
  }

  @Override
  public String bootstrapServers() {
    return brokers.stream().map(LocalKafkaBroker::bootstrapServers).collect(Collectors.joining(","));
  }

  @Override
  public String schemaRegistryUrl() {
    return registry.url();
  }

  @Override
  public String description() {
    return "local stack (" + (brokers.size() == 1 ? "Kafka broker" : brokers.size() + " Kafka nodes") + " at " + bootstrapServers()
        + ", Apicurio registry at " + schemaRegistryUrl() + ")";
  }

  @Override
  public boolean canRestartBroker() {
    return true;
  }

  @Override
  public int brokerCount() {
    return brokers.size();
  }

  @Override
  public void stopBroker(int nodeId) {
    node(nodeId).stop();
  }

  @Override
  public void startBroker(int nodeId) {
    act(() -> node(nodeId).start());
  }

  @Override
  public void killBroker(int nodeId) {
    act(() -> node(nodeId).kill());
  }

  @Override
  public void pauseBroker(int nodeId) {
    act(() -> node(nodeId).pause());
  }

  @Override
  public void resumeBroker(int nodeId) {
    act(() -> node(nodeId).resume());
  }

  private LocalKafkaBroker node(int nodeId) {
    return brokers.get(nodeId - 1);
  }

  private interface Action {
    void run() throws IOException, InterruptedException;
  }

  private static void act(Action action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * For an owner that stops the stack itself, after what depends on it: without this, each node's
   * own shutdown hook would stop it at once, while the owner's workers may still be draining into it.
   */
  public void unregisterShutdownHooks() {
    brokers.forEach(LocalKafkaBroker::unregisterShutdownHook);
    registry.unregisterShutdownHook();
  }

  @Override
  public void close() {
    brokers.forEach(LocalKafkaBroker::stop);
    registry.stop();
  }
}
