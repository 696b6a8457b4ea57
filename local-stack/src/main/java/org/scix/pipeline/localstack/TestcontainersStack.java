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
 * Kafka (KRaft, one node) and Apicurio Registry in containers, for machines with a Docker engine.
 * The images are the official ones ({@value #DEFAULT_KAFKA_IMAGE}, {@value #DEFAULT_REGISTRY_IMAGE})
 * unless {@code KAFKA_IMAGE} / {@code REGISTRY_IMAGE} name others: CI, which reaches no image
 * registry, sets them to the stand-ins {@code deploy/images/build-local.sh} makes from Debian's
 * packages and the same Maven Central jars (they honour the same contract). Freezing the broker
 * is {@code docker pause}.
 */
public final class TestcontainersStack implements KafkaStack {
  public static final String DEFAULT_KAFKA_IMAGE = "apache/kafka:4.4.0";
  public static final String DEFAULT_REGISTRY_IMAGE = "apicurio/apicurio-registry-mem:2.6.13.Final";
  public static final DockerImageName KAFKA_IMAGE = image("KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE, "apache/kafka");
  public static final DockerImageName REGISTRY_IMAGE = image("REGISTRY_IMAGE", DEFAULT_REGISTRY_IMAGE, "apicurio/apicurio-registry-mem");

  private final Network network = Network.newNetwork();
  // One node is broker and controller in one process: frozen (docker pause) past the default 9 s
  // broker session, on resume the controller fences its own broker and every partition is left
  // without a leader, which can drop a confirmed transaction's markers (docs/status.md). The local
  // stack's single node uses 60 s for the same reason.
  private final KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE).withNetwork(network)
      .withEnv("KAFKA_BROKER_SESSION_TIMEOUT_MS", "60000");
  private final GenericContainer<?> registry = new GenericContainer<>(REGISTRY_IMAGE)
      .withNetwork(network)
      .withExposedPorts(8080)
      .waitingFor(Wait.forHttp(LocalSchemaRegistry.CONFLUENT_API_PATH + "/subjects").forStatusCode(200));

  private static DockerImageName image(String variable, String fallback, String officialName) {
    String configured = System.getenv(variable);
    DockerImageName name = DockerImageName.parse(configured == null || configured.isBlank() ? fallback : configured);
    return name.asCompatibleSubstituteFor(officialName);
  }

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
  public boolean canPauseBroker() {
    return true;
  }

  /** {@code docker pause}: every process of the container frozen (the cgroup freezer), as SIGSTOP freezes a local broker. */
  @Override
  public void pauseBroker(int nodeId) {
    requireNode(nodeId);
    kafka.getDockerClient().pauseContainerCmd(kafka.getContainerId()).exec();
  }

  @Override
  public void resumeBroker(int nodeId) {
    requireNode(nodeId);
    kafka.getDockerClient().unpauseContainerCmd(kafka.getContainerId()).exec();
  }

  private static void requireNode(int nodeId) {
    if (nodeId != 1) {
      throw new IllegalArgumentException("this stack has one Kafka node (1), not " + nodeId);
    }
  }

  @Override
  public void close() {
    registry.stop();
    kafka.stop();
    network.close();
  }
}
