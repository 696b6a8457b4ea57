package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.scix.pipeline.core.config.TopicSettings;

/** Builds a {@link JobSubmitter} over a given producer (e.g. MockProducer) for unit tests. */
public final class TestSubmitters {
  private TestSubmitters() {}

  public static JobSubmitter create(TopicSettings topics, Supplier<Producer<String, Object>> producer) {
    return new JobSubmitter(topics, producer, "test", new SimpleMeterRegistry());
  }
}
