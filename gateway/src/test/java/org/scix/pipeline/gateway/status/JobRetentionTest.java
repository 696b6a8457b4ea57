package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scix.pipeline.gateway.status.JobStoreTest.event;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.schemas.status.JobState;

class JobRetentionTest {
  private static final Duration RETENTION = Duration.ofDays(7);
  private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());

  @Test
  void finishedJobsPastRetentionAreForgottenAndTombstonedOnTheirPartitionWhileOldUnfinishedJobsStay() {
    long now = Instant.parse("2026-11-26T00:00:00Z").toEpochMilli();
    long eightDaysAgo = now - Duration.ofDays(8).toMillis();
    long sixDaysAgo = now - Duration.ofDays(6).toMillis();
    String oldSuccess = JobIds.random();
    String oldError = JobIds.random();
    String oldPending = JobIds.random();
    String oldProcessing = JobIds.random();
    String recentSuccess = JobIds.random();
    try (StatusView view = StatusView.inMemory()) {
      view.applyAll(List.of(
          new StatusView.Event(3, 0, oldSuccess, event(oldSuccess, JobState.Success, "SYMBOL1", eightDaysAgo, 1, "w", null)),
          new StatusView.Event(1, 0, oldError, event(oldError, JobState.Error, "SYMBOL1", eightDaysAgo, 3, "w", "boom")),
          new StatusView.Event(0, 0, oldPending, event(oldPending, JobState.Pending, "SYMBOL1", eightDaysAgo, 0, "g", null)),
          new StatusView.Event(0, 1, oldProcessing, event(oldProcessing, JobState.Processing, "SYMBOL1", eightDaysAgo, 1, "w", null)),
          new StatusView.Event(2, 0, recentSuccess, event(recentSuccess, JobState.Success, "SYMBOL1", sixDaysAgo, 1, "w", null))));

      new JobRetention(view, producer, "TEMPLATEStatus", RETENTION, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC),
          new SimpleMeterRegistry()).run();

      assertThat(view.job(oldSuccess)).isEmpty();
      assertThat(view.job(oldError)).isEmpty();
      assertThat(view.status(oldPending)).contains(JobState.Pending);
      assertThat(view.status(oldProcessing)).contains(JobState.Processing);
      assertThat(view.status(recentSuccess)).contains(JobState.Success);
      assertThat(view.size()).isEqualTo(3);
      List<String> tombstones = new ArrayList<>();
      for (ProducerRecord<String, byte[]> sent : producer.history()) {
        assertThat(sent.value()).isNull();
        assertThat(sent.partition()).isEqualTo(sent.key().equals(oldSuccess) ? 3 : 1);
        tombstones.add(sent.key());
      }
      assertThat(tombstones).containsExactlyInAnyOrder(oldSuccess, oldError);
    }
  }

  @Test
  void aLargeBacklogIsSweptInBoundedTurns() {
    long now = Instant.parse("2026-11-26T00:00:00Z").toEpochMilli();
    int backlog = JobRetention.MAX_PER_TURN + 10;
    try (StatusView view = StatusView.inMemory()) {
      List<StatusView.Event> events = new ArrayList<>();
      for (int i = 0; i < backlog; i++) {
        String id = JobIds.random();
        events.add(new StatusView.Event(0, i, id, event(id, JobState.Success, "SYMBOL1", now - Duration.ofDays(9).toMillis() + i, 1, "w", null)));
      }
      view.applyAll(events);
      JobRetention retention = new JobRetention(view, producer, "TEMPLATEStatus", RETENTION,
          Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC), new SimpleMeterRegistry());

      retention.run();
      assertThat(view.size()).isEqualTo(10);
      retention.run(); // due again at once: the first turn was full
      assertThat(view.size()).isZero();
      assertThat(producer.history()).hasSize(backlog);
    }
  }
}
