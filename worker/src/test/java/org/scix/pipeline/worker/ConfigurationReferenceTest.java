package org.scix.pipeline.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.testing.ConfigurationReference;
import org.scix.pipeline.worker.task.SimulatedTask;

/** docs/configuration.md lists every key a worker and its built-in tasks read, with its default, and no key they do not read. */
class ConfigurationReferenceTest {
  static final Set<String> READ_ELSEWHERE = Set.of("PIPELINE_CONFIG_FILE", "KAFKA_CLIENT_*", "LOG_LEVEL", "LOG_FORMAT");

  @Test
  void everyKeyAWorkerReadsIsDocumentedWithItsDefaultAndNoneIsStale() {
    Map<String, String> read = new HashMap<>(keysRead(Map.of()));
    // A task's own settings are read when it is bound: bind each built-in task once.
    read.putAll(keysRead(Map.of("TASK_SYMBOL1", SimulatedTask.LONG_NAME)));
    ConfigurationReference reference = ConfigurationReference.load();

    assertThat(ConfigurationReference.mismatches(ConfigurationReference.folded(read),
        reference.entries("Both services", "Worker", "Built-in tasks"), READ_ELSEWHERE)).isEmpty();
  }

  private static Map<String, String> keysRead(Map<String, String> values) {
    Settings settings = Settings.of(values);
    WorkerConfig.from(settings);
    return settings.keysRead();
  }
}
