package org.scix.pipeline.gateway.submit;

import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.testing.GatedProducer;

/**
 * A {@link JobSubmitter} over a {@link GatedProducer} on the default topics, for a test to start
 * and to refuse or hold records with; closed after each test. Register with {@code @RegisterExtension}.
 */
public final class GatedSubmitter implements AfterEachCallback {
  public static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));

  private final GatedProducer producer = new GatedProducer();
  private final JobSubmitter submitter = TestSubmitters.create(TOPICS, () -> producer);

  public GatedProducer producer() {
    return producer;
  }

  public JobSubmitter submitter() {
    return submitter;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    submitter.close();
  }
}
