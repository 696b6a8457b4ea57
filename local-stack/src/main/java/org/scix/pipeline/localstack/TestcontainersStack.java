package org.scix.pipeline.localstack;

import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka ({@code apache/kafka}, KRaft) and Apicurio Registry in containers, for users who have a
 * Docker engine. Not exercised on machines without Docker (our CI); kept behind {@link #isDockerAvailable()}.
 */
public final class TestcontainersStack implements KafkaStack {
  public static final DockerImageName KAFKA_IMAGE = DockerImageName.parse("apache/kafka:4.1.0");
  public static final DockerImageName REGISTRY_IMAGE = DockerImageName.parse("apicurio/apicurio-registry-mem:2.6.13.Final");

  private final Network network = Network.newNetwork();
  private final KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE).withNetwork(network);
  private final GenericContainer<?> registry = new GenericContainer<>(REGISTRY_IMAGE)
      .withNetwork(network)
      .withExposedPorts(8080)
      .waitingFor(Wait.forHttp(LocalSchemaRegistry.CONFLUENT_API_PATH + "/subjects").forStatusCode(200));

  public static boolean isDockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable noDocker) {
      return false;
    }
  }

  public static TestcontainersStack start() {
    TestcontainersStack stack = new TestcontainersStack();
    stack.kafka.start();
    stack.registry.start();
    new SchemaRegistryClient(RegistryConfig.of(stack.schemaRegistryUrl())).setGlobalCompatibility("BACKWARD");
    return stack;
  }

  @Override
  public String bootstrapServers() {
    return kafka.getBootstrapServers();
  }

  @Override
  public String schemaRegistryUrl() {
    return "http://" + registry.getHost() + ":" + registry.getMappedPort(8080) + LocalSchemaRegistry.CONFLUENT_API_PATH;
  }

  @Override
  public String description() {
    return "Testcontainers (" + KAFKA_IMAGE + ", " + REGISTRY_IMAGE + ")";
  }

  @Override
  public void close() {
    registry.stop();
    kafka.stop();
    network.close();
  }
}
