package org.scix.pipeline.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Where this module's build put the broker classpath and the unpacked registry. */
public final class BuildLayout {
  private final Properties properties = new Properties();

  public BuildLayout() {
    try (InputStream in = BuildLayout.class.getResourceAsStream("local-stack.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The classpath of kafka_2.13 and its tools (ProducerPerformance, EndToEndLatency). */
  public String brokerClasspath() {
    Path file = Path.of(properties.getProperty("broker.classpath.file"));
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new IllegalStateException("broker classpath file " + file + " is missing: build the local-stack module first (./mvnw install -DskipTests)", e);
    }
  }

  Path apicurioRunnerJar() {
    Path jar = Path.of(properties.getProperty("apicurio.dir"),
        "apicurio-registry-app-" + properties.getProperty("apicurio.version") + "-runner.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("Apicurio Registry is not unpacked at " + jar + ": build the local-stack module first (./mvnw install -DskipTests)");
    }
    return jar;
  }
}
