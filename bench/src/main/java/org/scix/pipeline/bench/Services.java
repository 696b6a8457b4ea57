package org.scix.pipeline.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.GrpcServerSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.worker.WorkerConfig;

/**
 * The stack launcher the benchmarks, the chaos run and the system tests share: gateways, workers
 * and the no-op server as child JVMs, as in production (the load generator or test never shares a
 * process with what it measures or kills), each started with the broker's and registry's addresses
 * plus what the caller adds, and awaited until its {@code /health/ready} answers 200. Stops
 * everything it started, in reverse order.
 */
public final class Services implements AutoCloseable {
  /**
   * Extra JVM options for every child service, {@code {name}} replaced by the service's name: a
   * profiling aid, e.g. {@code -XX:StartFlightRecording=filename=/tmp/{name}.jfr}.
   */
  public static final String EXTRA_JVM_OPTIONS = "BENCH_CHILD_JVM_OPTS";
  /** {@code BENCH_ENV_X=v} in the bench's environment sets {@code X=v} for every service it starts (for A/B runs). */
  public static final String SERVICE_ENV_PREFIX = "BENCH_ENV_";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final KafkaStack stack;
  private final Path logDir;
  private final List<ChildProcess> started = new ArrayList<>();

  public Services(KafkaStack stack, Path logDir) {
    this.stack = stack;
    this.logDir = logDir;
  }

  /** A running child service: its process, gRPC port (gateway, no-op server) and ops port (metrics, health). */
  public record Service(ChildProcess process, int grpcPort, int opsPort) {
    public long pid() {
      return process.pid();
    }
  }

  /** Topic names of one scenario, so scenarios do not see each other's jobs. */
  public static Map<String, String> topics(String prefix, int partitions) {
    Map<String, String> env = new HashMap<>();
    env.put(TopicSettings.INPUT, prefix + ".TEMPLATEInput");
    env.put(TopicSettings.STATUS, prefix + ".TEMPLATEStatus");
    env.put(TopicSettings.OUTPUT, prefix + ".TEMPLATEOutput");
    env.put(TopicSettings.PARTITIONS, Integer.toString(partitions));
    return env;
  }

  public Service gateway(String name, Map<String, String> extraEnv, String heap) throws Exception {
    return gateway(name, Ports.free(), extraEnv, heap);
  }

  /** A gateway on a given gRPC port (a restarted replica keeps its address). */
  public Service gateway(String name, int grpcPort, Map<String, String> extraEnv, String heap) throws Exception {
    return gateway(name, grpcPort, extraEnv, heap, Duration.ofMinutes(3));
  }

  /** A gateway that may take up to {@code readyWithin} to report ready (a large status topic to read first). */
  public Service gateway(String name, int grpcPort, Map<String, String> extraEnv, String heap, Duration readyWithin) throws Exception {
    int opsPort = Ports.free();
    Map<String, String> env = baseEnv();
    env.put(GrpcServerSettings.PORT, Integer.toString(grpcPort));
    env.put(GatewayConfig.OPS_PORT, Integer.toString(opsPort));
    env.put(DashboardSettings.ENABLED, "false"); // several gateways run at once here
    env.put(GatewayConfig.INSTANCE_ID, name);
    env.put(GrpcServerSettings.MAX_CONCURRENT_CALLS, "100000");
    env.putAll(extraEnv);
    Service gateway = new Service(start(name, "org.scix.pipeline.gateway.GatewayMain", List.of("-Xmx" + heap), env), grpcPort, opsPort);
    awaitHttp200(gateway, "/health/ready", readyWithin);
    return gateway;
  }

  public Service worker(String name, Map<String, String> extraEnv) throws Exception {
    int opsPort = Ports.free();
    Map<String, String> env = baseEnv();
    env.put(WorkerConfig.INSTANCE_ID, name);
    env.put(WorkerConfig.OPS_PORT, Integer.toString(opsPort));
    env.putAll(extraEnv);
    Service worker = new Service(start(name, "org.scix.pipeline.worker.WorkerMain", List.of("-Xmx512m"), env), 0, opsPort);
    awaitHttp200(worker, "/health/ready", Duration.ofMinutes(2));
    return worker;
  }

  Service noopServer() throws Exception {
    return noopServer(0);
  }

  /** The no-op server; with {@code answerEveryMs} > 0 it answers in batches that often, as late as a commit would. */
  Service noopServer(long answerEveryMs) throws Exception {
    int port = Ports.free();
    List<String> args = answerEveryMs > 0 ? List.of(Integer.toString(port), Long.toString(answerEveryMs)) : List.of(Integer.toString(port));
    ChildProcess process = start(answerEveryMs > 0 ? "grpc-noop-late" : "grpc-noop", NoopServerMain.class.getName(), List.of("-Xmx512m"),
        Map.of(), args);
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!Ports.isListening(port)) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new IllegalStateException("no-op gRPC server did not start; see " + process.logFile());
      }
      Thread.sleep(50);
    }
    return new Service(process, port, 0);
  }

  /** Runs a main class to completion (Kafka's tools) and returns its output. */
  String runTool(String name, String classpath, String mainClass, List<String> args, Duration timeout) throws Exception {
    Path log = logDir.resolve(name + ".log");
    ChildProcess process = ChildProcess.startJava(name, List.of("-Xmx512m"), classpath, mainClass, args, Map.of(), logDir, log);
    int exit = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    String output = Files.readString(log);
    if (exit != 0) {
      throw new IllegalStateException(name + " exited with " + exit + ":\n" + output);
    }
    return output;
  }

  public void stop(Service service) {
    service.process().stop();
    started.remove(service.process());
  }

  String get(Service service, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A gauge's value from the service's Prometheus scrape (first series with that name). */
  double metric(Service service, String name) throws IOException, InterruptedException {
    return metric(service, name, "");
  }

  /** The first sample of metric {@code name} whose labels contain {@code labels} (e.g. {@code quantile="0.99"}). */
  double metric(Service service, String name, String labels) throws IOException, InterruptedException {
    for (String line : get(service, "/metrics").split("\n")) {
      if ((line.startsWith(name + "{") && line.substring(0, line.indexOf('}') + 1).contains(labels)) || (labels.isEmpty() && line.startsWith(name + " "))) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new IllegalStateException("metric " + name + " not found");
  }

  private void awaitHttp200(Service service, String path, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!service.process().isAlive()) {
        throw new IllegalStateException(service.process().logFile() + ": process exited during start");
      }
      try {
        int code = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + path)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (code == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("not ready in " + timeout + "; see " + service.process().logFile());
  }

  private Map<String, String> baseEnv() {
    Map<String, String> env = new HashMap<>();
    env.put(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers());
    env.put(KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl());
    env.put("LOG_LEVEL", "WARN"); // a line per job would cost the figures being measured
    // A/B aid: BENCH_ENV_<NAME>=value in the bench's environment sets <NAME> for every service.
    System.getenv().forEach((name, value) -> {
      if (name.startsWith(SERVICE_ENV_PREFIX)) {
        env.put(name.substring(SERVICE_ENV_PREFIX.length()), value);
      }
    });
    return env;
  }

  private ChildProcess start(String name, String mainClass, List<String> jvm, Map<String, String> env) throws IOException {
    return start(name, mainClass, jvm, env, List.of());
  }

  private ChildProcess start(String name, String mainClass, List<String> jvm, Map<String, String> env, List<String> args) throws IOException {
    List<String> options = new ArrayList<>(jvm);
    String extra = System.getenv(EXTRA_JVM_OPTIONS);
    if (extra != null && !extra.isBlank()) {
      options.addAll(List.of(extra.replace("{name}", name).trim().split("\\s+")));
    }
    ChildProcess process = ChildProcess.startJava(name, options, System.getProperty("java.class.path"), mainClass, args, env, logDir,
        logFile(name));
    started.add(process);
    return process;
  }

  /** {@code name.log}, or {@code name-2.log}, ... for a service started again under the same name (a restart keeps both logs). */
  private Path logFile(String name) {
    Path log = logDir.resolve(name + ".log");
    for (int i = 2; Files.exists(log); i++) {
      log = logDir.resolve(name + "-" + i + ".log");
    }
    return log;
  }

  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).stop();
    }
    started.clear();
  }
}
