package org.scix.pipeline.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw configuration: environment variables over an optional properties file (both with the same
 * {@code UPPER_SNAKE} keys), read through typed accessors that fail with the key's name. Typed
 * config records ({@code KafkaSettings}, {@code GatewayConfig}, ...) are built from it at start.
 *
 * <p>Kafka client properties pass through: {@code KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL} (env)
 * or {@code kafka.security.protocol=SASL_SSL} (file) become {@code security.protocol}.
 */
public final class Settings {
  /** Env var naming the optional properties file. */
  public static final String CONFIG_FILE = "PIPELINE_CONFIG_FILE";
  static final String ENV_CLIENT_PREFIX = "KAFKA_CLIENT_";
  static final String FILE_CLIENT_PREFIX = "kafka.";

  /**
   * The Python template's setting names, accepted with a warning: each maps to the key that
   * replaced it. When both are set, the new key wins.
   */
  static final Map<String, String> PYTHON_TEMPLATE_ALIASES = Map.of(
      "KAFKA_BROKER", "KAFKA_BOOTSTRAP_SERVERS",
      "TEMPLATE_INPUT_TOPIC", "INPUT_TOPIC",
      "TEMPLATE_OUTPUT_TOPIC", "OUTPUT_TOPIC",
      "LOGGING_LEVEL", "LOG_LEVEL");
  private static final Logger log = LoggerFactory.getLogger(Settings.class);

  private final Map<String, String> values;
  private final Map<String, String> kafkaClientProperties;
  private final Map<String, String> defaultsRead = new ConcurrentSkipListMap<>(); // key -> its default, as text


  private Settings(Map<String, String> values, Map<String, String> kafkaClientProperties) {
    this.values = values;
    this.kafkaClientProperties = kafkaClientProperties;
  }

  /** Environment over {@code $PIPELINE_CONFIG_FILE} (if set), plus explicit overrides on top (e.g. CLI flags). */
  public static Settings load(Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>();
    Map<String, String> client = new TreeMap<>();
    String file = overrides.getOrDefault(CONFIG_FILE, env.get(CONFIG_FILE));
    if (file != null && !file.isBlank()) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(file))) {
        properties.load(reader);
      } catch (IOException e) {
        throw new ConfigException(CONFIG_FILE, "cannot read " + file + ": " + e.getMessage());
      }
      for (String key : properties.stringPropertyNames()) {
        if (key.startsWith(FILE_CLIENT_PREFIX)) {
          client.put(key.substring(FILE_CLIENT_PREFIX.length()), properties.getProperty(key).trim());
        } else {
          values.put(key, properties.getProperty(key).trim());
        }
      }
    }
    // Environment, then overrides (CLI options, tests), both in environment-variable style.
    for (Map<String, String> layer : List.of(env, overrides)) {
      layer.forEach((key, value) -> {
        if (key.startsWith(ENV_CLIENT_PREFIX)) {
          client.put(key.substring(ENV_CLIENT_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
        } else {
          values.put(key, value);
        }
      });
    }
    applyAliases(values);
    return new Settings(values, client);
  }

  private static void applyAliases(Map<String, String> values) {
    PYTHON_TEMPLATE_ALIASES.forEach((old, current) -> {
      String value = values.get(old);
      if (value == null) {
        return;
      }
      if (values.containsKey(current)) {
        log.warn("{} (the Python template's name) is ignored: {} is set too and wins; remove {}", old, current, old);
      } else {
        log.warn("{} is the Python template's name for {}: taken as {}={}; rename it", old, current, current, value);
        values.put(current, value);
      }
    });
  }

  public static Settings fromEnvironment() {
    return load(System.getenv(), Map.of());
  }

  public static Settings of(Map<String, String> values) {
    return load(Map.of(), values);
  }

  public Map<String, String> kafkaClientProperties() {
    return Map.copyOf(kafkaClientProperties);
  }

  /**
   * Every key read through this object so far, with the default it was read with ("" when none):
   * what the configuration reference (docs/configuration.md) is checked against.
   */
  public Map<String, String> keysRead() {
    return Map.copyOf(defaultsRead);
  }

  private Optional<String> read(String key, String defaultText) {
    defaultsRead.put(key, defaultText);
    return Optional.ofNullable(values.get(key)).map(String::trim).filter(v -> !v.isEmpty());
  }

  public Optional<String> optional(String key) {
    return read(key, "");
  }

  public String string(String key, String defaultValue) {
    return read(key, defaultValue).orElse(defaultValue);
  }

  public int integer(String key, int defaultValue, int min, int max) {
    Optional<String> raw = read(key, Integer.toString(defaultValue));
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected an integer, got '" + raw.get() + "'");
    }
  }

  /** A duration in milliseconds ({@code 1500}) or ISO-8601 ({@code PT1.5S}). */
  public Duration duration(String key, Duration defaultValue, Duration min) {
    Optional<String> raw = read(key, Long.toString(defaultValue.toMillis()));
    if (raw.isEmpty()) {
      return defaultValue;
    }
    Duration value;
    try {
      value = raw.get().startsWith("P") ? Duration.parse(raw.get()) : Duration.ofMillis(Long.parseLong(raw.get()));
    } catch (RuntimeException e) {
      throw new ConfigException(key, "expected milliseconds or an ISO-8601 duration, got '" + raw.get() + "'");
    }
    if (value.compareTo(min) < 0) {
      throw new ConfigException(key, "must be at least " + min.toMillis() + " ms, got " + value.toMillis() + " ms");
    }
    return value;
  }

  public boolean bool(String key, boolean defaultValue) {
    Optional<String> raw = read(key, Boolean.toString(defaultValue));
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new ConfigException(key, "expected true or false, got '" + raw.get() + "'");
    };
  }

  public Optional<Path> existingFile(String key) {
    return optional(key).map(value -> {
      Path path = Path.of(value);
      if (!Files.isReadable(path)) {
        throw new ConfigException(key, "file " + value + " does not exist or is not readable");
      }
      return path;
    });
  }
}
