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
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) in a child JVM on
 * loopback. Storage, config and logs live in {@code workDir}. It can be stopped and started again
 * on the same ports and data, for fault-injection tests.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalKafkaBroker.class);
  private static final List<String> JVM_OPTIONS = List.of(
      "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true");

  private final Path workDir;
  private final int brokerPort;
  private final int controllerPort;
  private final String classpath;
  private ChildProcess process;

  public LocalKafkaBroker(Path workDir, int brokerPort) {
    this.workDir = workDir.toAbsolutePath();
    this.brokerPort = brokerPort;
    this.controllerPort = Ports.free();
    this.classpath = new BuildLayout().brokerClasspath();
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  public Path logFile() {
    return workDir.resolve("broker.log");
  }

  /** Formats storage on first start, starts the broker and waits until it answers. */
  public synchronized Duration start() throws IOException, InterruptedException {
    long begin = System.nanoTime();
    Path config = workDir.resolve("server.properties");
    if (!Files.exists(config)) {
      Files.createDirectories(workDir);
      Files.writeString(config, serverProperties());
      Files.writeString(workDir.resolve("log4j2.properties"), log4jProperties());
      format(config);
    }
    process = ChildProcess.startJava("kafka-broker", jvmOptions(), classpath, "kafka.Kafka",
        List.of(config.toString()), workDir, logFile());
    awaitReady(Duration.ofSeconds(60));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    log.info("Kafka broker ready at {} in {} ms (pid {}, log {})", bootstrapServers(), took.toMillis(), process.pid(), logFile());
    return took;
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

  private void format(Path config) throws IOException, InterruptedException {
    ChildProcess formatter = ChildProcess.startJava("kafka-storage-format", jvmOptions(), classpath,
        "kafka.tools.StorageTool",
        List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(), "--ignore-formatted"),
        workDir, workDir.resolve("format.log"));
    int exit = formatter.waitFor(60, TimeUnit.SECONDS);
    if (exit != 0) {
      throw new IllegalStateException("formatting Kafka storage failed (exit " + exit + "); see " + formatter.logFile());
    }
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
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
    List<String> options = new ArrayList<>(JVM_OPTIONS);
    options.add("-Dlog4j2.configurationFile=" + workDir.resolve("log4j2.properties"));
    options.add("-Dkafka.logs.dir=" + workDir);
    return options;
  }

  private String serverProperties() {
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + workDir.resolve("data"),
        "num.partitions=8",
        "auto.create.topics.enable=true",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=4",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "log.cleaner.backoff.ms=1000",
        "");
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
