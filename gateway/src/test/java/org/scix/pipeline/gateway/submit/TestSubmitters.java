package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.TransactionalWriter;

/** Builds a {@link JobSubmitter} over a given producer (e.g. MockProducer) for unit tests. */
public final class TestSubmitters {
  private TestSubmitters() {}

  /** A timed-out commit counts as outcome-unknown after 200 ms. */
  public static JobSubmitter create(TopicSettings topics, Supplier<Producer<String, Object>> producer) {
    return new JobSubmitter(topics, submitter -> new TransactionalWriter("test", producer, submitter::isRunning, Duration.ofMillis(200)),
        "test", new SimpleMeterRegistry());
  }
}
