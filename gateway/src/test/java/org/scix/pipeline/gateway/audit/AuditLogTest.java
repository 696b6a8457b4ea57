package org.scix.pipeline.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.submit.GatedSubmitter;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.testing.GatedProducer;

class AuditLogTest {
  private static final TopicSettings TOPICS = GatedSubmitter.TOPICS;
  @RegisterExtension
  final GatedSubmitter kafka = new GatedSubmitter();
  private final GatedProducer producer = kafka.producer();
  private final JobSubmitter submitter = kafka.submitter();

  /**
   * Kafka refuses the entry's first write (as when a broker is away): the entry is written again
   * and lands once, with an id. Before, it was only logged as lost while the action stood, and the
   * audit list no longer said what was done (seen in a chaos run: a replay-all with no entry).
   */
  @Test
  void anEntryKafkaDidNotTakeIsWrittenAgainAndLandsOnceWithAnId() {
    submitter.start();
    producer.refuseNext(record -> record.topic().equals(TOPICS.audit()), new KafkaException("not enough replicas"));
    AuditLog audit = new AuditLog(submitter, KafkaSettings.from(Settings.of(Map.of())), TOPICS.audit(), "test", Clock.systemUTC());
    audit.record("ops", "bulk replay", "{\"task\":\"SYMBOL3\"}", "matched 3, replayed 3");

    await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().stream().anyMatch(r -> r.topic().equals(TOPICS.audit())));
    assertThat(producer.history()).filteredOn(r -> r.topic().equals(TOPICS.audit())).singleElement().satisfies(r -> {
      String value = new String((byte[]) r.value(), StandardCharsets.UTF_8);
      assertThat(value).contains("\"id\":").contains("bulk replay").contains("replayed 3");
    });
  }
}
