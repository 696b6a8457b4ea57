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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.testing.ManualClock;

class JobRetentionTest {
  private static final Duration RETENTION = Duration.ofDays(7);
  private static final long NOW = Instant.parse("2026-11-26T00:00:00Z").toEpochMilli();

  @Test
  void finishedJobsPastRetentionAreTombstonedOnTheirPartitionAndForgottenWhenReadBackWhileOldUnfinishedJobsStay() {
    MockProducer<String, byte[]> producer = producer(true);
    long eightDaysAgo = NOW - Duration.ofDays(8).toMillis();
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
          new StatusView.Event(2, 0, recentSuccess,
              event(recentSuccess, JobState.Success, "SYMBOL1", NOW - Duration.ofDays(6).toMillis(), 1, "w", null))));

      retention(view, producer, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC)).run();

      List<String> tombstoned = new ArrayList<>();
      for (ProducerRecord<String, byte[]> sent : producer.history()) {
        assertThat(sent.value()).isNull();
        assertThat(sent.partition()).isEqualTo(sent.key().equals(oldSuccess) ? 3 : 1);
        tombstoned.add(sent.key());
      }
      assertThat(tombstoned).containsExactlyInAnyOrder(oldSuccess, oldError);
      assertThat(view.size()).isEqualTo(5); // nothing is forgotten before Kafka has the tombstone

      readBack(view, producer);
      assertThat(view.job(oldSuccess)).isEmpty();
      assertThat(view.job(oldError)).isEmpty();
      assertThat(view.status(oldPending)).contains(JobState.Pending);
      assertThat(view.status(oldProcessing)).contains(JobState.Processing);
      assertThat(view.status(recentSuccess)).contains(JobState.Success);
    }
  }

  @Test
  void aTombstoneOnItsWayIsNotSentAgainAndAFailedOneIsRetriedNextSweep() {
    MockProducer<String, byte[]> producer = producer(false);
    ManualClock clock = new ManualClock(NOW);
    String id = JobIds.random();
    try (StatusView view = StatusView.inMemory()) {
      view.applyAll(List.of(new StatusView.Event(0, 0, id, event(id, JobState.Success, "SYMBOL1", NOW - Duration.ofDays(8).toMillis(), 1, "w", null))));
      JobRetention retention = retention(view, producer, clock);

      retention.run();
      clock.advance(Duration.ofHours(1));
      retention.run(); // the first tombstone has no answer yet
      assertThat(producer.history()).hasSize(1);

      producer.errorNext(new TimeoutException("broker away"));
      clock.advance(Duration.ofHours(1));
      retention.run();
      assertThat(producer.history()).hasSize(2);
      assertThat(view.status(id)).contains(JobState.Success); // still held: Kafka never had the tombstone
    }
  }

  @Test
  void aLargeBacklogIsSweptInBoundedTurns() {
    MockProducer<String, byte[]> producer = producer(true);
    int backlog = JobRetention.MAX_PER_TURN + 10;
    try (StatusView view = StatusView.inMemory()) {
      List<StatusView.Event> events = new ArrayList<>();
      for (int i = 0; i < backlog; i++) {
        String id = JobIds.random();
        events.add(new StatusView.Event(0, i, id, event(id, JobState.Success, "SYMBOL1", NOW - Duration.ofDays(9).toMillis() + i, 1, "w", null)));
      }
      view.applyAll(events);
      JobRetention retention = retention(view, producer, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

      retention.run();
      assertThat(producer.history()).hasSize(JobRetention.MAX_PER_TURN);
      readBack(view, producer);
      assertThat(view.size()).isEqualTo(10);
      retention.run(); // due again at once: the first turn was full
      assertThat(producer.history()).hasSize(10);
      readBack(view, producer);
      assertThat(view.size()).isZero();
    }
  }

  private static JobRetention retention(StatusView view, MockProducer<String, byte[]> producer, Clock clock) {
    return new JobRetention(view, producer, "TEMPLATEStatus", RETENTION, clock, new SimpleMeterRegistry());
  }

  private static MockProducer<String, byte[]> producer(boolean autoComplete) {
    return new MockProducer<>(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
  }

  /** What the status reader does with the tombstones once they are on the topic. */
  private static void readBack(StatusView view, MockProducer<String, byte[]> producer) {
    view.applyAll(producer.history().stream().map(r -> new StatusView.Event(r.partition(), -1, r.key(), null)).toList());
    producer.clear();
  }
}
