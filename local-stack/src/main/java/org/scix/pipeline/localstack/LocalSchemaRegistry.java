package org.scix.pipeline.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry (in-memory storage) in a child JVM, speaking the Confluent API under
 * {@code /apis/ccompat/v7}, with global compatibility set to BACKWARD once it is up (Apicurio's
 * default is NONE).
 */
public final class LocalSchemaRegistry implements AutoCloseable {
  public static final String CONFLUENT_API_PATH = "/apis/ccompat/v7";
  private static final Logger log = LoggerFactory.getLogger(LocalSchemaRegistry.class);

  private final Path workDir;
  private final int port;
  private ChildProcess process;

  public LocalSchemaRegistry(Path workDir, int port) {
    this.workDir = workDir.toAbsolutePath();
    this.port = port;
  }

  /** Base URL of the Confluent API, path included. */
  public String url() {
    return "http://127.0.0.1:" + port + CONFLUENT_API_PATH;
  }

  public int port() {
    return port;
  }

  public Path logFile() {
    return workDir.resolve("registry.log");
  }

  public synchronized Duration start() throws IOException, InterruptedException {
    long begin = System.nanoTime();
    Files.createDirectories(workDir);
    Path jar = new BuildLayout().apicurioRunnerJar();
    process = ChildProcess.startJava("schema-registry",
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
            "-Dquarkus.http.access-log.enabled=false", "-Dquarkus.log.console.color=false"),
        jar.toString(), "io.quarkus.runner.GeneratedMain", List.of(), workDir, logFile());
    awaitReady(Duration.ofSeconds(90));
    new SchemaRegistryClient(RegistryConfig.of(url())).setGlobalCompatibility("BACKWARD");
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    log.info("Schema registry ready at {} in {} ms (pid {}, log {})", url(), took.toMillis(), process.pid(), logFile());
    return took;
  }

  /** The registry process's pid, or -1 while it is not running. */
  public synchronized long pid() {
    return process == null || !process.isAlive() ? -1 : process.pid();
  }

  /** Leaves stopping to the owner's own shutdown hook (see {@link ChildProcess#unregisterShutdownHook}). */
  public synchronized void unregisterShutdownHook() {
    if (process != null) {
      process.unregisterShutdownHook();
    }
  }

  public synchronized void stop() {
    if (process != null) {
      process.stop();
      process = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("schema registry exited during start; see " + logFile());
      }
      try {
        if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("schema registry not ready within " + timeout + "; see " + logFile());
  }
}
