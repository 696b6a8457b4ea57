package org.scix.pipeline.cli;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.GrpcServerSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.LocalStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.RegistryRootProxy;
import org.scix.pipeline.worker.WorkerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts the whole system on this machine, each part its own OS process as in production: a
 * Kafka broker, the schema registry (Confluent API at the root of port 8081, where existing
 * clients look), one gateway and N workers. Ctrl-C / SIGTERM stops everything it started.
 */
@Command(name = "up", mixinStandardHelpOptions = true, description = "Start Kafka, the schema registry, a gateway and N workers locally.")
final class UpCommand implements Callable<Integer> {
  @Option(names = "--workers", defaultValue = "2", description = "Worker processes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--kafka-port", defaultValue = "9092")
  int kafkaPort;

  @Option(names = "--brokers", defaultValue = "1",
      description = "Kafka nodes (default ${DEFAULT-VALUE}); 3 gives replication factor 3 and min.insync.replicas 2.")
  int brokers;

  @Option(names = "--registry-port", defaultValue = "8081")
  int registryPort;

  @Option(names = "--grpc-port", defaultValue = "50051")
  int grpcPort;

  @Option(names = "--ops-port", defaultValue = "9464",
      description = "The gateway's ops port: metrics, health, job queries (default ${DEFAULT-VALUE}, where `./pipeline jobs` looks).")
  int opsPort;

  @Option(names = "--dashboard-port", defaultValue = "8088", description = "The jobs dashboard (default ${DEFAULT-VALUE}).")
  int dashboardPort;

  @Option(names = "--simulate-ms", description = "Bind every worker task to the simulated task sleeping this long.")
  Integer simulateMs;

  @Option(names = "--dir", description = "Where logs and data go (default .pipeline/run-<time>).")
  Path dir;

  private final List<ChildProcess> services = new CopyOnWriteArrayList<>(); // the watch loop and the shutdown hook both read it
  private volatile boolean stopping; // set by the shutdown hook: children exiting then is expected

  @Override
  public Integer call() throws Exception {
    long begin = System.nanoTime();
    Path runDir = (dir != null ? dir : Path.of(".pipeline", "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
        .toAbsolutePath();
    for (int port : new int[] {kafkaPort, registryPort, grpcPort, opsPort, dashboardPort}) {
      if (Ports.isListening(port)) {
        throw new IllegalStateException("port " + port + " is already in use (another ./pipeline up?)");
      }
    }
    System.out.println("starting in " + runDir);
    LocalStack stack = LocalStack.start(runDir, brokers, kafkaPort, 0);
    stack.unregisterShutdownHooks(); // stopped last by stopAll, once workers and gateway are done with it
    RegistryRootProxy proxy = new RegistryRootProxy("127.0.0.1", registryPort, stack.schemaRegistryUrl());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(stack, proxy), "pipeline-down"));
    System.out.println("kafka     " + stack.bootstrapServers() + "   (log " + stack.broker().logFile() + ")");
    System.out.println("registry  " + proxy.url() + "   (Confluent API; Apicurio at " + stack.schemaRegistryUrl() + ")");

    Map<String, String> env = new HashMap<>();
    env.put(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers());
    env.put(KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl());
    env.put(TopicSettings.REPLICATION_FACTOR, Integer.toString(Math.min(3, brokers)));
    env.put(GrpcServerSettings.PORT, Integer.toString(grpcPort));
    Map<String, String> gatewayEnv = new HashMap<>(env);
    gatewayEnv.put(GatewayConfig.OPS_PORT, Integer.toString(opsPort));
    gatewayEnv.put(StatusViewSettings.STORE_DIR, runDir.resolve("status-store").toString());
    gatewayEnv.put(DashboardSettings.PORT, Integer.toString(dashboardPort));
    services.add(start("gateway", List.of("gateway"), gatewayEnv, runDir.resolve("gateway.log")));
    List<Integer> workerOps = new ArrayList<>();
    for (int i = 1; i <= workers; i++) {
      Map<String, String> workerEnv = new HashMap<>(env);
      int opsPort = Ports.free();
      workerOps.add(opsPort);
      workerEnv.put(WorkerConfig.OPS_PORT, Integer.toString(opsPort));
      workerEnv.put(WorkerConfig.INSTANCE_ID, "local-" + i);
      List<String> args = new ArrayList<>(List.of("worker"));
      if (simulateMs != null) {
        args.add("--simulate-ms=" + simulateMs);
      }
      services.add(start("worker-" + i, args, workerEnv, runDir.resolve("worker-" + i + ".log")));
    }
    awaitGatewayServing(Duration.ofMinutes(2));
    System.out.println("gateway   127.0.0.1:" + grpcPort + "   (jobs http://127.0.0.1:" + opsPort + "/jobs, metrics http://127.0.0.1:"
        + opsPort + "/metrics, log " + runDir.resolve("gateway.log") + ")");
    for (int i = 0; i < workerOps.size(); i++) {
      awaitReady(workerOps.get(i), Duration.ofMinutes(2));
      System.out.println("worker-" + (i + 1) + "  ops http://127.0.0.1:" + workerOps.get(i) + "   (log " + runDir.resolve("worker-" + (i + 1) + ".log") + ")");
    }
    System.out.println("dashboard http://127.0.0.1:" + dashboardPort + "/dashboard/   (actions need DASHBOARD_TOKEN in the environment of `up`)");
    System.out.printf("ready in %.1f s (Ctrl-C to stop)%n", (System.nanoTime() - begin) / 1e9);
    System.out.flush();
    while (true) {
      for (ChildProcess service : services) {
        if (!stopping && !service.isAlive()) {
          System.out.println("warning: " + service.logFile().getFileName() + " process exited; see " + service.logFile());
          services.remove(service);
          break;
        }
      }
      Thread.sleep(1000);
    }
  }

  private ChildProcess start(String name, List<String> args, Map<String, String> env, Path log) throws Exception {
    List<String> jvm = new ArrayList<>(List.of("-Xms64m", "-Xmx512m"));
    String logConfig = System.getProperty("logback.configurationFile");
    if (logConfig != null) {
      jvm.add("-Dlogback.configurationFile=" + logConfig);
    }
    ChildProcess child = ChildProcess.startJava(name, jvm, System.getProperty("java.class.path"), PipelineCli.class.getName(),
        args, env, log.getParent(), log);
    child.unregisterShutdownHook(); // stopped in order by stopAll
    return child;
  }

  /** Workers first (they drain), then the gateway, then the registry front, the registry and the broker. */
  private void stopAll(LocalStack stack, RegistryRootProxy proxy) {
    stopping = true;
    System.out.println("stopping...");
    List<ChildProcess> reversed = new ArrayList<>(services);
    Collections.reverse(reversed);
    reversed.parallelStream().filter(s -> !s.logFile().getFileName().toString().startsWith("gateway")).forEach(ChildProcess::stop);
    reversed.stream().filter(s -> s.logFile().getFileName().toString().startsWith("gateway")).forEach(ChildProcess::stop);
    proxy.close();
    stack.close();
    System.out.println("stopped");
  }

  private void awaitGatewayServing(Duration timeout) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        try {
          HealthCheckResponse response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
          if (response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (RuntimeException notYet) {
          // not listening yet
        }
        if (!services.get(0).isAlive()) {
          throw new IllegalStateException("gateway exited during start; see " + services.get(0).logFile());
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException("gateway not serving within " + timeout + "; see " + services.get(0).logFile());
    } finally {
      channel.shutdownNow();
    }
  }

  private static void awaitReady(int opsPort, Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health/ready")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("worker with ops port " + opsPort + " not ready within " + timeout);
  }
}
