package org.scix.pipeline.cli;

import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;

/** Kafka and registry settings of client-side commands: the same environment the services read. */
final class KafkaTarget {
  final Settings settings = Settings.fromEnvironment();
  final KafkaSettings kafka = KafkaSettings.from(settings);
  final TopicSettings topics = TopicSettings.from(settings);
}
