package org.scix.pipeline.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @Test
  void invalidValuesFailNamingTheKey() {
    assertThatThrownBy(() -> Settings.of(Map.of("TOPIC_PARTITIONS", "many")).integer("TOPIC_PARTITIONS", 8, 1, 100))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("TOPIC_PARTITIONS:");
    assertThatThrownBy(() -> KafkaSettings.from(Settings.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "nohostport"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("KAFKA_BOOTSTRAP_SERVERS:");
    assertThatThrownBy(() -> KafkaSettings.from(Settings.of(Map.of("SCHEMA_REGISTRY_URL", "ftp://x"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("SCHEMA_REGISTRY_URL:");
    assertThatThrownBy(() -> TopicSettings.from(Settings.of(Map.of("INPUT_TOPIC", "bad name!"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("INPUT_TOPIC:");
  }

  @Test
  void environmentOverridesTheFileAndKafkaClientPropertiesPassThroughUnlogged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pipeline.properties");
    Files.writeString(file, "TOPIC_PARTITIONS=4\nINPUT_TOPIC=fromFile\nkafka.sasl.jaas.config=secret-jaas\n");
    Settings settings = Settings.load(Map.of(Settings.CONFIG_FILE, file.toString(), "INPUT_TOPIC", "fromEnv",
        "KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL"), Map.of());

    TopicSettings topics = TopicSettings.from(settings);
    KafkaSettings kafka = KafkaSettings.from(settings);
    assertThat(topics.partitions()).isEqualTo(4);
    assertThat(topics.input()).isEqualTo("fromEnv");
    assertThat(topics.deadLetter()).isEqualTo("fromEnv.DLT");
    assertThat(kafka.clientConfig()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.jaas.config", "secret-jaas");
    assertThat(kafka.toString()).doesNotContain("secret-jaas");
  }

  @Test
  void overridesGivenInEnvironmentStyleAlsoPassKafkaClientPropertiesThrough() {
    Settings settings = Settings.load(Map.of("KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "600000"),
        Map.of("KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "3000"));

    assertThat(KafkaSettings.from(settings).clientConfig()).containsEntry("max.poll.interval.ms", "3000");
  }

  @Test
  void thePythonTemplatesSettingNamesAreTakenAsTheirReplacementsAndTheNewNameWins() {
    Settings old = Settings.of(Map.of("KAFKA_BROKER", "old-broker:9092", "TEMPLATE_INPUT_TOPIC", "oldIn", "TEMPLATE_OUTPUT_TOPIC", "oldOut"));
    assertThat(KafkaSettings.from(old).bootstrapServers()).isEqualTo("old-broker:9092");
    assertThat(TopicSettings.from(old).input()).isEqualTo("oldIn");
    assertThat(TopicSettings.from(old).output()).isEqualTo("oldOut");

    Settings both = Settings.of(Map.of("KAFKA_BROKER", "old-broker:9092", "KAFKA_BOOTSTRAP_SERVERS", "new-broker:9092"));
    assertThat(KafkaSettings.from(both).bootstrapServers()).isEqualTo("new-broker:9092");
  }
}
