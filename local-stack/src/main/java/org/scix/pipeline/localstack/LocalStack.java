package org.scix.pipeline.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The broker and the registry as child JVMs, started together (in parallel) and stopped together.
 * Logs and data under {@code workDir}.
 */
public final class LocalStack implements KafkaStack {
  private final LocalKafkaBroker broker;
  private final LocalSchemaRegistry registry;
  private Duration brokerStartTime = Duration.ZERO;
  private Duration registryStartTime = Duration.ZERO;

  private LocalStack(LocalKafkaBroker broker, LocalSchemaRegistry registry) {
    this.broker = broker;
    this.registry = registry;
  }

  /** Starts both on the given ports ({@code 0} picks a free one). */
  public static LocalStack start(Path workDir, int brokerPort, int registryPort) throws IOException, InterruptedException {
    LocalStack stack = new LocalStack(
        new LocalKafkaBroker(workDir.resolve("kafka"), brokerPort == 0 ? Ports.free() : brokerPort),
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
    brokerStartTime = broker.start();
    registryStarter.join();
    if (registryFailure[0] != null) {
      throw registryFailure[0];
    }
  }

  public LocalKafkaBroker broker() {
    return broker;
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
    return broker.bootstrapServers();
  }

  @Override
  public String schemaRegistryUrl() {
    return registry.url();
  }

  @Override
  public String description() {
    return "local stack (Kafka broker at " + bootstrapServers() + ", Apicurio registry at " + schemaRegistryUrl() + ")";
  }

  @Override
  public boolean canRestartBroker() {
    return true;
  }

  @Override
  public void stopBroker() {
    broker.stop();
  }

  @Override
  public void startBroker() {
    try {
      broker.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    broker.stop();
    registry.stop();
  }
}
