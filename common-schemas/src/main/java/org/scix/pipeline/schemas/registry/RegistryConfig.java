package org.scix.pipeline.schemas.registry;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where the schema registry is and how to talk to it.
 *
 * @param url base URL of the Confluent API, may carry a path ({@code http://host:8080/apis/ccompat/v7})
 * @param basicAuthUserInfo {@code user:password} for HTTP Basic auth, if the registry needs it
 * @param requestTimeout bound on each HTTP call
 */
public record RegistryConfig(String url, Optional<String> basicAuthUserInfo, Duration requestTimeout) {
  /** Kafka-style config key of the registry URL (same as Confluent's serializers). */
  public static final String URL_CONFIG = "schema.registry.url";
  public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";

  public RegistryConfig {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(URL_CONFIG + ": not a URL: " + url, e);
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
      throw new IllegalArgumentException(URL_CONFIG + ": must be an http(s) URL, got " + url);
    }
  }

  public static RegistryConfig of(String url) {
    return new RegistryConfig(url, Optional.empty(), Duration.ofSeconds(10));
  }

  /** Reads {@link #URL_CONFIG} and {@link #BASIC_AUTH_USER_INFO_CONFIG} from Kafka-style configs. */
  public static RegistryConfig fromConfigs(Map<String, ?> configs) {
    Object url = configs.get(URL_CONFIG);
    if (url == null) {
      throw new IllegalArgumentException(URL_CONFIG + " is required");
    }
    Object userInfo = configs.get(BASIC_AUTH_USER_INFO_CONFIG);
    return new RegistryConfig(url.toString(),
        Optional.ofNullable(userInfo).map(Object::toString).filter(s -> !s.isBlank()), Duration.ofSeconds(10));
  }

  @Override
  public String toString() {
    return "RegistryConfig[url=" + url + ", basicAuth=" + (basicAuthUserInfo.isPresent() ? "<set>" : "<none>") + "]";
  }
}
