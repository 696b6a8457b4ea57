package org.scix.pipeline.system;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.scix.pipeline.bench.Services;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.GrpcServerSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.TaskSettings;

/** A pipeline on the test JVM's broker and registry, with its own topics so test classes do not interfere. */
final class Pipeline implements AutoCloseable {
  final KafkaStack stack;
  final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ".";
  final Map<String, String> settings = new HashMap<>();
  private final List<AutoCloseable> started = new ArrayList<>();
  private final Services processes;

  Pipeline(KafkaStack stack) {
    this.stack = stack;
    this.processes = new Services(stack, Path.of("target", "service-processes", prefix).toAbsolutePath());
    started.add(processes);
    settings.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
    settings.put("SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
    settings.put("INPUT_TOPIC", prefix + "TEMPLATEInput");
    settings.put("STATUS_TOPIC", prefix + "TEMPLATEStatus");
    settings.put("OUTPUT_TOPIC", prefix + "TEMPLATEOutput");
    settings.put("TOPIC_PARTITIONS", "4");
    settings.put("WORKER_GROUP_ID", prefix + "workers");
    settings.put(GrpcServerSettings.PORT, "0");
    settings.put(GatewayConfig.OPS_PORT, "0");
    settings.put(DashboardSettings.PORT, "0"); // an ephemeral port each: many gateways share this JVM
    settings.put(TaskSettings.RETRY_BACKOFF, "10");
    // Tests assert every status event, so every attempt's Processing is written (ProcessingStatusIT covers the default delay).
    settings.put(LoopSettings.PROCESSING_DELAY, "0");
  }

  Gateway startGateway(String instanceId) throws Exception {
    Map<String, String> s = new HashMap<>(settings);
    s.put(GatewayConfig.INSTANCE_ID, instanceId);
    Gateway gateway = Gateway.start(GatewayConfig.from(Settings.of(s)));
    started.add(gateway);
    if (!gateway.awaitServing(Duration.ofSeconds(60))) {
      throw new IllegalStateException("gateway " + instanceId + " not serving");
    }
    return gateway;
  }

  Worker startWorker(String instanceId, Map<String, String> extra) throws Exception {
    Map<String, String> s = new HashMap<>(settings);
    s.put(WorkerConfig.INSTANCE_ID, instanceId);
    s.putAll(extra);
    Worker worker = Worker.start(WorkerConfig.from(Settings.of(s)));
    started.add(worker);
    return worker;
  }

  /** A worker as its own OS process, as in production; returns once it reports ready. */
  ChildProcess startWorkerProcess(String instanceId, Map<String, String> extra) throws Exception {
    Map<String, String> env = processEnv();
    env.putAll(extra);
    return processes.worker(instanceId, env).process();
  }

  /** A gateway as its own OS process on {@code grpcPort}; returns once it reports ready. */
  ChildProcess startGatewayProcess(String instanceId, int grpcPort) throws Exception {
    return processes.gateway(instanceId, grpcPort, processEnv(), "256m").process();
  }

  /** This pipeline's settings for a child process, whose gRPC and ops ports the launcher sets; logs at INFO for the test's reader. */
  private Map<String, String> processEnv() {
    Map<String, String> env = new HashMap<>(settings);
    env.remove(GatewayConfig.OPS_PORT);
    env.remove(GrpcServerSettings.PORT); // else the in-process gateways' 0 (any port) overrides the port asked for
    env.put("LOG_LEVEL", "INFO");
    return env;
  }

  KafkaSettings kafka() {
    return KafkaSettings.from(Settings.of(settings));
  }

  TopicSettings topics() {
    return TopicSettings.from(Settings.of(settings));
  }

  /** Every committed event on the status topic so far. */
  List<JobStatus> statusEvents() {
    ConfluentAvroDeserializer<JobStatus> deserializer = new ConfluentAvroDeserializer<>(
        new SchemaRegistryClient(RegistryConfig.of(stack.schemaRegistryUrl())), JobStatus.class);
    return records(settings.get("STATUS_TOPIC")).stream().map(r -> deserializer.deserialize(r.topic(), r.value())).toList();
  }

  /** The status events of one job, in topic order. */
  List<JobStatus> statusEvents(String jobId) {
    return statusEvents().stream().filter(e -> e.getJobId().equals(jobId)).toList();
  }

  /** Every committed record of a topic so far (up to the end offsets present now). */
  List<ConsumerRecord<String, byte[]>> records(String topic) {
    try (TopicReader reader = TopicReader.open(KafkaSettings.from(Settings.of(settings)), "system-test-reader")) {
      return reader.readAll(topic);
    }
  }

  /** Waits until {@code members} workers of this pipeline's group hold all partitions of the topics they consume (no rebalance pending). */
  void awaitWorkersAssigned(int members) throws Exception {
    String group = settings.get("WORKER_GROUP_ID");
    int partitions = Integer.parseInt(settings.get("TOPIC_PARTITIONS"));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        return description.groupState() == org.apache.kafka.common.GroupState.STABLE
            && description.members().size() == members
            && description.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())
            && description.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum() == 2 * partitions + org.scix.pipeline.core.kafka.ParkedJobs.partitionCount(partitions);
      });
    }
  }

  /** Submits {@code count} jobs of {@code task} with {@code daterange}, eight calls at a time; their ids, in submission order. */
  static List<String> submitMany(PipelineClient client, taskenum task,
      String daterange, int count) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> ids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ids.add(threads.submit(() -> client.submit(new JobRequest(task, null, null, daterange), null).jobId()));
      }
      List<String> submitted = new ArrayList<>();
      for (Future<String> id : ids) {
        submitted.add(id.get());
      }
      return submitted;
    } finally {
      threads.shutdownNow();
    }
  }

  /** Those of {@code ids} with a terminal event among {@code events}. */
  static Set<String> ended(List<JobStatus> events, Collection<String> ids) {
    Set<String> wanted = Set.copyOf(ids);
    return events.stream().filter(e -> wanted.contains(e.getJobId()) && JobStates.isTerminal(e.getStatus()))
        .map(JobStatus::getJobId).collect(Collectors.toSet());
  }

  String topic(String name) {
    return settings.get(name);
  }

  @Override
  public void close() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }
}
