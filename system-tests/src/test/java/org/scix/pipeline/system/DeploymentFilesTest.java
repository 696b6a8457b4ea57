package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.GrpcServerSettings;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.localstack.TestcontainersStack;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.SimulatedTask;
import org.scix.pipeline.worker.task.TaskSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine or cluster here, so the container and Kubernetes files are held to the code by
 * parsing them: every variable they set is one the services read, ports and probes agree with
 * the services' defaults, and the pieces that refer to each other (names, labels, ports,
 * partitions vs. replicas) fit.
 */
class DeploymentFilesTest {
  /** A Dockerfile's text from its first ARG up to its runtime stage. */
  private static String buildStage(String dockerfile) throws IOException {
    String text = Files.readString(ROOT.resolve(dockerfile));
    return text.substring(text.indexOf("ARG JDK_IMAGE"), text.indexOf("FROM ${JRE_IMAGE}"));
  }

  private static final Path ROOT = projectRoot();
  private static final Set<String> KNOWN_KEYS = knownConfigKeys();

  @Test
  void composeRunsKafkaRegistryGatewayAndScalableWorkersWithHealthChecks() throws IOException {
    Map<String, Object> compose = load(ROOT.resolve("docker-compose.yml")).get(0);
    Map<String, Object> services = map(compose, "services");

    assertThat(services).containsKeys("kafka", "create-topics", "schema-registry", "registry-root", "gateway", "worker");
    // One Kafka version everywhere: the broker the local stack runs (the Kafka jars on this classpath),
    // the Testcontainers default, both of compose's Kafka services; every image overridable by one variable.
    String kafkaVersion = AppInfoParser.getVersion();
    assertThat(TestcontainersStack.DEFAULT_KAFKA_IMAGE).isEqualTo("apache/kafka:" + kafkaVersion);
    for (String service : List.of("kafka", "create-topics")) {
      assertThat(map(services, service).get("image")).isEqualTo("${KAFKA_IMAGE:-" + TestcontainersStack.DEFAULT_KAFKA_IMAGE + "}");
    }
    assertThat(map(services, "schema-registry").get("image")).isEqualTo("${REGISTRY_IMAGE:-" + TestcontainersStack.DEFAULT_REGISTRY_IMAGE + "}");
    assertThat(Files.readString(ROOT.resolve("deploy/images/build-local.sh"))).contains("KAFKA_VERSION=" + kafkaVersion);
    for (String dockerfile : List.of("gateway/Dockerfile", "worker/Dockerfile")) {
      assertThat(Files.readString(ROOT.resolve(dockerfile))).contains("ARG JDK_IMAGE=eclipse-temurin:17-jdk", "ARG JRE_IMAGE=eclipse-temurin:17-jre");
    }
    // One Maven build for both images: their build stages must stay identical for Docker's layer cache.
    assertThat(buildStage("worker/Dockerfile")).isEqualTo(buildStage("gateway/Dockerfile")).contains("-pl gateway,worker");
    assertThat(map(map(services, "kafka"), "environment")).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller");
    for (String service : List.of("kafka", "schema-registry", "gateway", "worker")) {
      assertThat(map(services, service)).as(service + " health check").containsKey("healthcheck");
    }
    // The ports existing clients hard-code.
    assertThat(list(map(services, "gateway"), "ports")).contains("50051:50051");
    assertThat(list(map(services, "registry-root"), "ports")).contains("8081:8081");
    // --scale worker=N needs no fixed name and no host port.
    assertThat(map(services, "worker")).doesNotContainKeys("container_name", "ports");
    // Topics are created before the services start, the status topic compacted.
    String createTopics = String.join("\n", list(map(services, "create-topics"), "command"));
    Map<String, Object> env = map(map(services, "worker"), "environment");
    for (String topic : List.of("INPUT_TOPIC", "STATUS_TOPIC", "OUTPUT_TOPIC")) {
      assertThat(createTopics).contains("--topic " + env.get(topic));
    }
    assertThat(createTopics).contains("--topic " + env.get("INPUT_TOPIC") + ".DLT")
        .contains("--topic " + env.get("STATUS_TOPIC") + " --config cleanup.policy=compact")
        .contains("--partitions " + env.get("TOPIC_PARTITIONS"));

    for (String service : List.of("gateway", "worker")) {
      Map<String, Object> serviceEnv = map(map(services, service), "environment");
      assertThat(serviceEnv.keySet()).as(service + " variables").allSatisfy(key -> assertThat(isKnown(key)).as(key).isTrue());
      assertThat(serviceEnv).containsEntry(KafkaSettings.BOOTSTRAP_SERVERS, "kafka:9092")
          .containsEntry(KafkaSettings.REGISTRY_URL, "http://schema-registry:8080/apis/ccompat/v7");
      String dockerfile = (String) map(map(services, service), "build").get("dockerfile");
      assertThat(ROOT.resolve(dockerfile)).exists();
    }
    assertThat(map(map(services, "gateway"), "environment")).containsEntry(GrpcServerSettings.PORT, "50051");
    String workerProbe = healthCheck(services, "worker");
    assertThat(workerProbe).contains(":" + map(map(services, "worker"), "environment").get(WorkerConfig.OPS_PORT) + "/health/ready");
    assertThat(healthCheck(services, "gateway")).contains(":" + map(map(services, "gateway"), "environment").get(GatewayConfig.OPS_PORT) + "/health/ready");
  }

  @Test
  void dockerfilesBuildInStagesAndRunTheServiceAsANonRootUser() throws IOException {
    Map<String, String> mains = Map.of("gateway", "org.scix.pipeline.gateway.GatewayMain", "worker", "org.scix.pipeline.worker.WorkerMain");
    for (Map.Entry<String, String> service : mains.entrySet()) {
      String dockerfile = Files.readString(ROOT.resolve(service.getKey()).resolve("Dockerfile"));
      assertThat(dockerfile).contains("AS build").contains("./mvnw").contains("ARG JRE_IMAGE=eclipse-temurin:17-jre").contains("FROM ${JRE_IMAGE}")
          .contains("USER 10001").contains(service.getValue()).contains("HEALTHCHECK");
      assertThat(classExists(service.getValue())).isTrue();
    }
    assertThat(Files.readString(ROOT.resolve("worker/Dockerfile"))).contains(WorkerConfig.OPS_PORT + "=9465");
  }

  @Test
  void kubernetesManifestsFitTogether() throws IOException {
    Path base = ROOT.resolve("deploy/base");
    Map<String, Object> kustomization = load(base.resolve("kustomization.yaml")).get(0);
    List<Map<String, Object>> docs = new ArrayList<>();
    for (String resource : this.<String>list(kustomization, "resources")) {
      assertThat(base.resolve(resource)).exists();
      docs.addAll(load(base.resolve(resource)));
    }
    Map<String, Object> config = data(byKind(docs, "ConfigMap", "scix-pipeline-config"), "data");
    Map<String, Object> secret = data(byKind(docs, "Secret", "scix-pipeline-secrets"), "stringData");
    assertThat(config.keySet()).allSatisfy(key -> assertThat(isKnown(key)).as(key).isTrue());
    assertThat(secret.keySet()).allSatisfy(key -> assertThat(isKnown(key)).as(key).isTrue());

    // StatefulSets: a pod keeps its name (its instance id, hence its transactional id) across restarts.
    Map<String, Object> gateway = byKind(docs, "StatefulSet", "scix-gateway");
    Map<String, Object> worker = byKind(docs, "StatefulSet", "scix-worker");
    Map<String, Object> gatewayContainer = container(gateway);
    Map<String, Object> workerContainer = container(worker);
    Map<String, String> gatewayEnv = env(gatewayContainer);
    Map<String, String> workerEnv = env(workerContainer);
    assertThat(gatewayEnv.keySet()).allSatisfy(key -> assertThat(isKnown(key)).as(key).isTrue());
    assertThat(workerEnv.keySet()).allSatisfy(key -> assertThat(isKnown(key)).as(key).isTrue());
    for (Map<String, Object> set : List.of(gateway, worker)) {
      String headless = (String) map(set, "spec").get("serviceName");
      assertThat(map(map(byKind(docs, "Service", headless), "spec"), "selector")).isEqualTo(labels(set));
      assertThat(map(byKind(docs, "Service", headless), "spec")).containsEntry("clusterIP", "None");
    }
    assertThat(instanceIdSource(gatewayContainer, GatewayConfig.INSTANCE_ID)).isEqualTo("metadata.name");
    assertThat(instanceIdSource(workerContainer, WorkerConfig.INSTANCE_ID)).isEqualTo("metadata.name");

    Map<String, Integer> gatewayPorts = ports(gatewayContainer);
    assertThat(gatewayPorts).containsEntry("grpc", Integer.parseInt(gatewayEnv.get(GrpcServerSettings.PORT)))
        .containsEntry("ops", Integer.parseInt(gatewayEnv.get(GatewayConfig.OPS_PORT)));
    assertThat(map(map(gatewayContainer, "readinessProbe"), "grpc")).containsEntry("port", gatewayPorts.get("grpc"));
    assertThat(map(map(gatewayContainer, "livenessProbe"), "httpGet")).containsEntry("path", "/health/live");
    Map<String, Integer> workerPorts = ports(workerContainer);
    assertThat(workerPorts).containsEntry("ops", Integer.parseInt(workerEnv.get(WorkerConfig.OPS_PORT)));
    assertThat(map(map(workerContainer, "readinessProbe"), "httpGet")).containsEntry("path", "/health/ready").containsEntry("port", "ops");
    assertThat(map(map(workerContainer, "livenessProbe"), "httpGet")).containsEntry("path", "/health/live");
    for (Map<String, Object> c : List.of(gatewayContainer, workerContainer)) {
      assertThat(c).containsKey("resources");
    }
    // Drain must fit in the grace period.
    assertThat(((Number) map(map(map(worker, "spec"), "template"), "spec").get("terminationGracePeriodSeconds")).intValue() * 1000)
        .isGreaterThan(Integer.parseInt((String) config.get(LoopSettings.DRAIN_TIMEOUT)));

    Map<String, Object> service = byKind(docs, "Service", "scix-gateway");
    assertThat(map(map(service, "spec"), "selector")).isEqualTo(labels(gateway));
    assertThat(this.<Map<String, Object>>list(map(service, "spec"), "ports"))
        .anySatisfy(p -> assertThat(p).containsEntry("port", 50051).containsEntry("targetPort", "grpc"));

    for (Map<String, Object> deployment : List.of(gateway, worker)) {
      String name = (String) map(deployment, "metadata").get("name");
      Map<String, Object> pdb = byKind(docs, "PodDisruptionBudget", name);
      assertThat(map(map(pdb, "spec"), "selector").get("matchLabels")).isEqualTo(labels(deployment));
    }

    Map<String, Object> scaled = byKind(docs, "ScaledObject", "scix-worker");
    Map<String, Object> scaledSpec = map(scaled, "spec");
    assertThat(map(scaledSpec, "scaleTargetRef")).containsEntry("name", "scix-worker").containsEntry("kind", "StatefulSet");
    assertThat((Integer) scaledSpec.get("maxReplicaCount")).isLessThanOrEqualTo(Integer.parseInt((String) config.get(TopicSettings.PARTITIONS)));
    Map<String, Object> trigger = this.<Map<String, Object>>list(scaledSpec, "triggers").get(0);
    assertThat(trigger).containsEntry("type", "kafka");
    assertThat(map(trigger, "metadata"))
        .containsEntry("consumerGroup", config.get(WorkerConfig.GROUP_ID))
        .containsEntry("topic", config.get(TopicSettings.INPUT))
        .containsEntry("bootstrapServers", config.get(KafkaSettings.BOOTSTRAP_SERVERS));
  }

  // --- helpers ---

  /** Where an env var's value comes from: the field path of its fieldRef. */
  private static String instanceIdSource(Map<String, Object> container, String key) {
    return DeploymentFilesTest.<Map<String, Object>>listOf(container.get("env")).stream()
        .filter(e -> key.equals(e.get("name"))).findFirst()
        .map(e -> (String) map(map(e, "valueFrom"), "fieldRef").get("fieldPath")).orElse(null);
  }

  private static boolean isKnown(String key) {
    return KNOWN_KEYS.contains(key) || key.startsWith("KAFKA_CLIENT_") || key.startsWith(TaskSettings.TASK_PREFIX);
  }

  /** Every configuration key the services read: the String constants of the config classes, plus logging. */
  private static Set<String> knownConfigKeys() {
    Set<String> keys = new HashSet<>(Set.of("LOG_FORMAT", "LOG_LEVEL", "JAVA_TOOL_OPTIONS"));
    for (Class<?> type : List.of(GatewayConfig.class, GrpcServerSettings.class, SubmitterSettings.class, ApiSettings.class,
        StatusViewSettings.class, DashboardSettings.class, WorkerConfig.class, LoopSettings.class, TaskSettings.class, SimulatedTask.class,
        KafkaSettings.class, TopicSettings.class, Settings.class)) {
      for (Field field : type.getDeclaredFields()) {
        if (field.getType() == String.class && Modifier.isStatic(field.getModifiers()) && Modifier.isFinal(field.getModifiers())) {
          try {
            field.setAccessible(true);
            keys.add((String) field.get(null));
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return keys;
  }

  private static String healthCheck(Map<String, Object> services, String service) {
    return String.join(" ", DeploymentFilesTest.<String>listOf(map(map(services, service), "healthcheck").get("test")));
  }

  private static Map<String, Object> byKind(List<Map<String, Object>> docs, String kind, String name) {
    return docs.stream().filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return DeploymentFilesTest.<Map<String, Object>>listOf(map(map(map(deployment, "spec"), "template"), "spec").get("containers")).get(0);
  }

  private static Object labels(Map<String, Object> deployment) {
    return map(map(map(deployment, "spec"), "template"), "metadata").get("labels");
  }

  private static Map<String, String> env(Map<String, Object> container) {
    return DeploymentFilesTest.<Map<String, Object>>listOf(container.get("env")).stream()
        .collect(Collectors.toMap(e -> (String) e.get("name"), e -> String.valueOf(e.getOrDefault("value", ""))));
  }

  private static Map<String, Integer> ports(Map<String, Object> container) {
    return DeploymentFilesTest.<Map<String, Object>>listOf(container.get("ports")).stream()
        .collect(Collectors.toMap(p -> (String) p.get("name"), p -> (Integer) p.get("containerPort")));
  }

  private static Map<String, Object> data(Map<String, Object> doc, String key) {
    return map(doc, key);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  private <T> List<T> list(Map<String, Object> parent, String key) {
    return listOf(parent.get(key));
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> listOf(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<T>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> load(Path file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml(new LoaderOptions()).loadAll(reader)) {
        if (doc != null) {
          docs.add((Map<String, Object>) doc);
        }
      }
    }
    return docs;
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("docker-compose.yml not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
