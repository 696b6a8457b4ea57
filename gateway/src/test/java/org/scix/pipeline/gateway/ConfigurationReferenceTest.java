package org.scix.pipeline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.testing.ConfigurationReference;

/** docs/configuration.md lists every key the gateway reads, with its default, and no key it does not read. */
class ConfigurationReferenceTest {
  /** Documented in "Both services" but read outside the typed settings (by Settings.load itself, or by logback). */
  static final Set<String> READ_ELSEWHERE = Set.of("PIPELINE_CONFIG_FILE", "KAFKA_CLIENT_*", "LOG_LEVEL", "LOG_FORMAT");

  @Test
  void everyKeyTheGatewayReadsIsDocumentedWithItsDefaultAndNoneIsStale() {
    Settings settings = Settings.of(Map.of());
    GatewayConfig.from(settings);
    ConfigurationReference reference = ConfigurationReference.load();

    assertThat(ConfigurationReference.mismatches(ConfigurationReference.folded(settings.keysRead()),
        reference.entries("Both services", "Gateway"), READ_ELSEWHERE)).isEmpty();
  }
}
