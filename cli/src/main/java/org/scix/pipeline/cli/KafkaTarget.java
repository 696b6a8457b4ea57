package org.scix.pipeline.cli;

import java.time.Duration;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;

/** Kafka and registry settings of client-side commands: the same environment the services read. */
final class KafkaTarget {
  /** How long a command waits for Kafka before it says it cannot reach it. */
  static final Duration REACH_TIMEOUT = Duration.ofSeconds(5);

  final Settings settings = Settings.fromEnvironment();
  final KafkaSettings kafka = KafkaSettings.from(settings);
  final TopicSettings topics = TopicSettings.from(settings);
}
