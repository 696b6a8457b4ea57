package org.scix.pipeline.gateway.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.testing.GatedProducer;

class CancelSweepTest {
  private static final TopicSettings TOPICS = GatedSubmitter.TOPICS;
  @RegisterExtension
  final GatedSubmitter kafka = new GatedSubmitter();
  private final GatedProducer producer = kafka.producer();
  private final JobSubmitter submitter = kafka.submitter();

  /**
   * Of the cancels still on the control topic, only those old enough whose job has ended are
   * tombstoned: a job still Pending keeps its cancel (it must never start), and a fresh cancel is
   * left to the worker that ends its job.
   */
  @Test
  void onlyTheCancelsOfEndedJobsOlderThanTheMinimumAgeAreTombstoned() {
    submitter.start();
    Map<String, Long> cancels = Map.of("ended", 0L, "pending", 0L, "ended-just-now", 59_000L);
    Map<String, JobState> statuses = Map.of("ended", JobState.Success, "pending", JobState.Pending, "ended-just-now", JobState.Error);
    Clock clock = Clock.fixed(Instant.ofEpochMilli(60_000), ZoneOffset.UTC);
    new CancelSweep(() -> cancels, id -> Optional.ofNullable(statuses.get(id)), submitter, TOPICS.control(), clock,
        Duration.ofSeconds(30)).run();

    await().atMost(Duration.ofSeconds(5)).until(() -> !producer.history().isEmpty());
    assertThat(producer.history()).singleElement().satisfies(r -> {
      assertThat(r.topic()).isEqualTo(TOPICS.control());
      assertThat(r.key()).isEqualTo("job/ended/cancelled");
      assertThat(r.value()).isNull();
    });
  }
}
