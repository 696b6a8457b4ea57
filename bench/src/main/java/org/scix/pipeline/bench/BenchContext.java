package org.scix.pipeline.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicAdmin;
import org.scix.pipeline.localstack.KafkaStack;

/** What every scenario needs: the broker and registry, child services, the load sizes, a progress stream. */
record BenchContext(KafkaStack stack, Services services, BenchConfig config, PrintStream progress) {
  static final int PARTITIONS = 16;

  KafkaSettings kafka() {
    return KafkaSettings.from(Settings.of(Map.of(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl())));
  }

  PipelineSerdes serdes() {
    return new PipelineSerdes(kafka());
  }

  /** Creates a scenario's own topics and returns their settings (and the env that points services at them). */
  TopicSettings topics(String prefix) {
    return topics(prefix, PARTITIONS);
  }

  TopicSettings topics(String prefix, int partitions) {
    TopicSettings topics = TopicSettings.from(Settings.of(Services.topics(prefix, partitions)));
    TopicAdmin.ensureTopics(kafka(), topics, Duration.ofSeconds(30));
    return topics;
  }

  void say(String format, Object... args) {
    progress.printf(format + "%n", args);
    progress.flush();
  }
}
