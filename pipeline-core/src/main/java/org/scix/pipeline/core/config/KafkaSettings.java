package org.scix.pipeline.core.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.scix.pipeline.schemas.registry.RegistryConfig;

/**
 * How to reach Kafka and the schema registry.
 *
 * @param bootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}
 * @param clientProperties extra Kafka client properties (SASL/SSL...), passed to every client
 * @param registry {@code SCHEMA_REGISTRY_URL}, {@code SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO}
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> clientProperties, RegistryConfig registry) {
  public static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
  public static final String REGISTRY_URL = "SCHEMA_REGISTRY_URL";
  public static final String REGISTRY_BASIC_AUTH = "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO";
  public static final String REGISTRY_TIMEOUT = "SCHEMA_REGISTRY_TIMEOUT_MS";

  public static KafkaSettings from(Settings settings) {
    String bootstrap = settings.string(BOOTSTRAP_SERVERS, "127.0.0.1:9092");
    for (String server : bootstrap.split(",")) {
      if (!server.trim().matches("[^:\\s]+:\\d{1,5}")) {
        throw new ConfigException(BOOTSTRAP_SERVERS, "expected host:port[,host:port...], got '" + bootstrap + "'");
      }
    }
    RegistryConfig registry;
    try {
      registry = new RegistryConfig(settings.string(REGISTRY_URL, "http://127.0.0.1:8081"),
          settings.optional(REGISTRY_BASIC_AUTH),
          settings.duration(REGISTRY_TIMEOUT, Duration.ofSeconds(10), Duration.ofMillis(100)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(REGISTRY_URL, e.getMessage());
    }
    return new KafkaSettings(bootstrap, settings.kafkaClientProperties(), registry);
  }

  /** Common client config: bootstrap servers plus the pass-through properties. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  public Optional<String> securityProtocol() {
    return Optional.ofNullable(clientProperties.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG));
  }

  @Override
  public String toString() {
    // Client properties may hold SASL passwords: print their names only.
    return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", clientProperties=" + clientProperties.keySet()
        + ", registry=" + registry + "]";
  }
}
