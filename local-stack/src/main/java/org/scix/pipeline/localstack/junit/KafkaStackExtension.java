package org.scix.pipeline.localstack.junit;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.scix.pipeline.localstack.ExternalStack;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.LocalStack;
import org.scix.pipeline.localstack.TestcontainersStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands integration tests a running Kafka broker and schema registry, one per test JVM, shared by
 * every test class in it and stopped when the JVM's tests are done. In order of preference:
 * <ol>
 *   <li>an existing cluster when {@code KAFKA_BOOTSTRAP_SERVERS} and {@code SCHEMA_REGISTRY_URL} are set;</li>
 *   <li>Testcontainers when a Docker engine is available (required with {@code USE_TESTCONTAINERS=true}, never
 *       used with {@code false});</li>
 *   <li>the local stack: real broker and registry as child JVMs, logs under {@code target/local-stack}:
 *       one node, or {@code n} with system property {@value #BROKERS_PROPERTY} (or {@code KAFKA_STACK_BROKERS})
 *       set to {@code n}, replication factor 3 and {@code min.insync.replicas} 2 from three on.</li>
 * </ol>
 * Use it with {@code @ExtendWith(KafkaStackExtension.class)} and a {@link KafkaStack} parameter.
 */
public final class KafkaStackExtension implements ParameterResolver {
  private static final Logger log = LoggerFactory.getLogger(KafkaStackExtension.class);
  public static final String BROKERS_PROPERTY = "scix.stack.brokers";
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaStackExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KafkaStack.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent("stack", key -> new StoredStack(startStack()), StoredStack.class).stack;
  }

  /** The same choice, outside JUnit (benchmarks, tools). */
  public static KafkaStack startStack() {
    String bootstrap = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    String registry = System.getenv("SCHEMA_REGISTRY_URL");
    try {
      KafkaStack stack;
      if (bootstrap != null && !bootstrap.isBlank() && registry != null && !registry.isBlank()) {
        stack = new ExternalStack(bootstrap, registry);
      } else if ("true".equalsIgnoreCase(System.getenv("USE_TESTCONTAINERS"))) {
        // Asked for explicitly: no quiet fallback to the local stack when Docker is not usable.
        if (!TestcontainersStack.isDockerAvailable()) {
          throw new IllegalStateException("USE_TESTCONTAINERS=true, but Testcontainers finds no usable Docker engine (is dockerd "
              + "running? Without a reachable image registry set TESTCONTAINERS_CHECKS_DISABLE=true, TESTCONTAINERS_RYUK_DISABLED=true and "
              + "TESTCONTAINERS_HOST_OVERRIDE=localhost)");
        }
        stack = TestcontainersStack.start();
      } else if (!"false".equalsIgnoreCase(System.getenv("USE_TESTCONTAINERS")) && TestcontainersStack.isDockerAvailable()) {
        stack = TestcontainersStack.start();
      } else {
        LocalStack local = LocalStack.start(Path.of("target", "local-stack", "run-" + ProcessHandle.current().pid()), brokers(), 0, 0);
        log.info("local stack: broker ready in {} ms, registry ready in {} ms",
            local.brokerStartTime().toMillis(), local.registryStartTime().toMillis());
        stack = local;
      }
      log.info("integration tests run against {}", stack.description());
      return stack;
    } catch (Exception e) {
      throw new IllegalStateException("cannot obtain a Kafka broker and schema registry for the tests: " + e.getMessage(), e);
    }
  }

  private static int brokers() {
    String configured = System.getProperty(BROKERS_PROPERTY, System.getenv().getOrDefault("KAFKA_STACK_BROKERS", "1"));
    return Integer.parseInt(configured.trim());
  }

  /** Closed by JUnit when the root context closes, i.e. after the last test of the JVM. */
  private record StoredStack(KafkaStack stack) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      stack.close();
    }
  }
}
