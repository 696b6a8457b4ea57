package org.scix.pipeline.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka node (KRaft, combined broker + controller) in a child JVM on loopback: a
 * cluster of its own, or one of several voting controllers ({@link #cluster}). Storage, config and
 * logs live in {@code workDir}. It can be stopped, killed, paused and started again on the same
 * ports and data, for fault-injection tests.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalKafkaBroker.class);

  private final Path workDir;
  private final int nodeId;
  private final int brokerPort;
  private final int controllerPort;
  private final String voters;
  private final int replication;
  private final String clusterId;
  private final String classpath;
  private final BrokerJvm jvm;
  private ChildProcess process;

  /** A single-node cluster: replication factor 1. */
  public LocalKafkaBroker(Path workDir, int brokerPort) {
    this(workDir, 1, brokerPort, Ports.free(), null, 1, Uuid.randomUuid().toString(), BrokerJvm.QUICK_START);
  }

  private LocalKafkaBroker(Path workDir, int nodeId, int brokerPort, int controllerPort, String voters, int replication,
      String clusterId, BrokerJvm jvm) {
    this.jvm = jvm;
    this.workDir = workDir.toAbsolutePath();
    this.nodeId = nodeId;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.voters = voters != null ? voters : nodeId + "@127.0.0.1:" + controllerPort;
    this.replication = replication;
    this.clusterId = clusterId;
    this.classpath = new BuildLayout().brokerClasspath();
  }

  /**
   * The nodes of an {@code n}-node cluster, each broker and voting controller, node ids 1..n, in
   * {@code workDir/node-<id>}. With three or more nodes, every topic (internal ones too) gets
   * replication factor 3 and {@code min.insync.replicas} 2, and unclean leader election is off:
   * losing one node loses nothing acknowledged. The first port is {@code firstPort} (0: any free).
   */
  public static List<LocalKafkaBroker> cluster(Path workDir, int n, int firstPort) {
    return cluster(workDir, n, firstPort, BrokerJvm.QUICK_START);
  }

  /** The same, each node's JVM run as {@code jvm}. */
  public static List<LocalKafkaBroker> cluster(Path workDir, int n, int firstPort, BrokerJvm jvm) {
    if (n == 1) {
      return List.of(new LocalKafkaBroker(workDir, 1, firstPort == 0 ? Ports.free() : firstPort, Ports.free(), null, 1,
          Uuid.randomUuid().toString(), jvm));
    }
    int[] brokerPorts = new int[n];
    int[] controllerPorts = new int[n];
    StringBuilder voters = new StringBuilder();
    for (int i = 0; i < n; i++) {
      brokerPorts[i] = i == 0 && firstPort != 0 ? firstPort : Ports.free();
      controllerPorts[i] = Ports.free();
      voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
    }
    String clusterId = Uuid.randomUuid().toString();
    List<LocalKafkaBroker> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(new LocalKafkaBroker(workDir.resolve("node-" + (i + 1)), i + 1, brokerPorts[i], controllerPorts[i],
          voters.toString(), Math.min(3, n), clusterId, jvm));
    }
    return nodes;
  }

  public int nodeId() {
    return nodeId;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  /** The broker process's pid, or -1 while it is not running. */
  public synchronized long pid() {
    return process == null || !process.isAlive() ? -1 : process.pid();
  }

  public Path logFile() {
    return workDir.resolve("broker.log");
  }

  /** Formats storage on first start, starts the broker and waits until it answers. */
  public synchronized Duration start() throws IOException, InterruptedException {
    long begin = System.nanoTime();
    launch();
    awaitReady(Duration.ofSeconds(60));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    log.info("Kafka node {} ready at {} in {} ms (pid {}, log {})", nodeId, bootstrapServers(), took.toMillis(), process.pid(),
        logFile());
    return took;
  }

  /** SIGKILL: the node dies without a clean shutdown. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.kill();
      process = null;
    }
  }

  /** SIGSTOP: the node freezes (no heartbeats, no answers) until {@link #resume}. */
  public synchronized void pause() throws IOException, InterruptedException {
    process.signal("STOP");
  }

  public synchronized void resume() throws IOException, InterruptedException {
    process.signal("CONT");
  }

  /** Leaves stopping to the owner's own shutdown hook (see {@link ChildProcess#unregisterShutdownHook}). */
  public synchronized void unregisterShutdownHook() {
    if (process != null) {
      process.unregisterShutdownHook();
    }
  }

  /** SIGTERM and wait: a clean broker shutdown. */
  public synchronized void stop() {
    if (process != null) {
      process.stop();
      process = null;
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() {
    stop();
  }

  /** Writes config and formats storage (first time only) and starts the process, without waiting for it. */
  synchronized void launch() throws IOException, InterruptedException {
    Path config = workDir.resolve("server.properties");
    if (!Files.exists(config)) {
      Files.createDirectories(workDir);
      Files.writeString(config, serverProperties());
      Files.writeString(workDir.resolve("log4j2.properties"), log4jProperties());
      format(config);
    }
    process = ChildProcess.startJava("kafka-broker-" + nodeId, jvmOptions(), classpath, "kafka.Kafka",
        List.of(config.toString()), workDir, logFile());
  }

  private void format(Path config) throws IOException, InterruptedException {
    ChildProcess formatter = ChildProcess.startJava("kafka-storage-format", jvmOptions(), classpath,
        "kafka.tools.StorageTool",
        List.of("format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"),
        workDir, workDir.resolve("format.log"));
    int exit = formatter.waitFor(60, TimeUnit.SECONDS);
    if (exit != 0) {
      throw new IllegalStateException("formatting Kafka storage failed (exit " + exit + "); see " + formatter.logFile());
    }
  }

  /** Waits until the node answers as part of a cluster with a leader. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Object> config = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
    try (Admin admin = Admin.create(config)) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("Kafka broker exited during start; see " + logFile());
        }
        try {
          admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
          return;
        } catch (Exception notYet) {
          Thread.sleep(200);
        }
      }
    }
    throw new IllegalStateException("Kafka broker not ready within " + timeout + "; see " + logFile());
  }

  private List<String> jvmOptions() {
    List<String> options = new ArrayList<>(jvm.options());
    options.add("-Dlog4j2.configurationFile=" + workDir.resolve("log4j2.properties"));
    options.add("-Dkafka.logs.dir=" + workDir);
    return options;
  }

  private String serverProperties() {
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=" + nodeId,
        "controller.quorum.voters=" + voters,
        "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + workDir.resolve("data"),
        "num.partitions=8",
        "auto.create.topics.enable=true",
        "default.replication.factor=" + replication,
        "min.insync.replicas=" + minInsync(),
        "unclean.leader.election.enable=false",
        "offsets.topic.replication.factor=" + replication,
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=" + replication,
        "transaction.state.log.min.isr=" + minInsync(),
        "transaction.state.log.num.partitions=4",
        "share.coordinator.state.topic.replication.factor=" + replication,
        "share.coordinator.state.topic.min.isr=" + minInsync(),
        "group.initial.rebalance.delay.ms=0",
        "log.cleaner.backoff.ms=1000",
        // A lone node has nowhere to move leadership: fencing itself after a stall (a long GC, a
        // suspended laptop, SIGSTOP) would only leave its partitions leaderless for a moment, and
        // Kafka drops the commit markers it is sending to leaderless partitions (docs/status.md).
        "broker.session.timeout.ms=" + (replication == 1 ? 60_000 : 9_000),
        "");
  }

  private int minInsync() {
    return replication >= 3 ? 2 : 1;
  }

  private String log4jProperties() {
    return String.join("\n",
        "rootLogger.level=INFO",
        "rootLogger.appenderRef.file.ref=file",
        "appender.file.type=File",
        "appender.file.name=file",
        "appender.file.fileName=" + workDir.resolve("broker-server.log"),
        "appender.file.layout.type=PatternLayout",
        "appender.file.layout.pattern=[%d] %p %m (%c)%n",
        "logger.kafka.name=kafka",
        "logger.kafka.level=INFO",
        "logger.state.name=state.change.logger",
        "logger.state.level=WARN",
        "");
  }

}
