package org.scix.pipeline.gateway.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.owned.OwnedTopic.Action;
import org.scix.pipeline.schemas.input.TemplateInput;

class SchedulesTest {
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));
  private static final TopicPartition P0 = new TopicPartition(TOPICS.schedules(), 0);
  private final Schedules schedules = new Schedules(TOPICS, "gateway-test", new SimpleMeterRegistry());
  private long offset;

  private static ScheduleSpec every2s(String extra, long createdAt) throws Exception {
    JsonNode node = Json.MAPPER.readTree("{\"name\":\"s\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\"" + extra + "}");
    return ScheduleSpec.fromRequest(node, createdAt);
  }

  private void define(ScheduleSpec spec) {
    define(spec, 0L);
  }

  /** The definition as written to Kafka at {@code timestamp} (the record's timestamp). */
  private void define(ScheduleSpec spec, long timestamp) {
    apply(spec.name(), spec.toJson(), timestamp);
  }

  private void apply(String key, byte[] value) {
    apply(key, value, 0L);
  }

  private void apply(String key, byte[] value, long timestamp) {
    schedules.apply(new ConsumerRecord<>(P0.topic(), 0, offset++, timestamp, TimestampType.CREATE_TIME, 0, 0, key, value,
        new RecordHeaders(), Optional.empty()));
  }

  private static List<Long> ticks(List<Action> due) {
    return due.stream().map(a -> ((Schedules.Tick) a).tick()).toList();
  }

  /** Acts as the owner would: takes what is due, commits it, reads its records back. */
  private List<Action> tickAt(long now) {
    List<Action> due = schedules.due(now, 100);
    schedules.done(due);
    due.forEach(action -> schedules.records(action).stream().filter(r -> r.topic().equals(P0.topic()))
        .forEach(r -> apply(r.key(), (byte[]) r.value())));
    return due;
  }

  @Test
  void eachTickMakesOneJobWhoseIdIsDerivedFromScheduleAndTick() throws Exception {
    schedules.assigned(P0, 0);
    define(every2s(",\"daterange\":\"{tick-1}\"", 1_000));
    assertThat(tickAt(1_999)).isEmpty();
    List<Action> due = tickAt(2_000);
    assertThat(due).hasSize(1);
    List<ProducerRecord<String, Object>> records = schedules.records(due.get(0));
    assertThat(records.get(0).topic()).as("schedules are bulk by default").isEqualTo(TOPICS.bulkInput());
    assertThat(records.get(0).key()).isEqualTo(JobIds.forScheduleTick("s", 2_000));
    assertThat(((TemplateInput) records.get(0).value()).getTaskArgs().getDaterange()).isEqualTo("1969-12-31");
    assertThat(records.get(1).topic()).isEqualTo(TOPICS.status());
    assertThat(tickAt(2_500)).isEmpty(); // the same tick never again
    assertThat(tickAt(4_000)).hasSize(1);
  }

  @Test
  void aNewOwnerContinuesAfterTheLastTickWritten() throws Exception {
    schedules.assigned(P0, 0);
    define(every2s("", 0));
    tickAt(2_000);
    tickAt(4_000);
    // Another replica takes over: it reads the schedule and its state from the topic.
    Schedules successor = new Schedules(TOPICS, "gateway-other", new SimpleMeterRegistry());
    successor.assigned(P0, 0);
    successor.apply(new ConsumerRecord<>(P0.topic(), 0, 0, "s", every2s("", 0).toJson()));
    successor.apply(new ConsumerRecord<>(P0.topic(), 0, 1, ScheduleRecords.stateKey("s"), "{\"last_tick\":4000}".getBytes()));
    List<Action> due = successor.due(5_000, 100);
    assertThat(due).isEmpty();
    assertThat(successor.due(6_000, 100)).singleElement().satisfies(a -> assertThat(((Schedules.Tick) a).tick()).isEqualTo(6_000));
  }

  @Test
  void missedTicksAllRunOldestFirstUpToTheBoundAndOlderOnesAreSkipped() throws Exception {
    schedules.assigned(P0, 0);
    define(every2s(",\"max_catch_up\":3", 0));
    // Ten ticks missed (2..20 s): the first turn skips the older seven, then the last three run one per turn.
    List<Action> first = tickAt(20_500);
    assertThat(((Schedules.Tick) first.get(0)).makesJob()).isFalse();
    assertThat(List.of(tickAt(20_500), tickAt(20_500), tickAt(20_500), tickAt(20_500)))
        .extracting(due -> due.isEmpty() ? null : ((Schedules.Tick) due.get(0)).tick())
        .containsExactly(16_000L, 18_000L, 20_000L, null);
  }

  @Test
  void withCatchUpSkipOnlyATickLessThanAMinuteLateRuns() throws Exception {
    schedules.assigned(P0, 0);
    define(every2s(",\"catch_up\":\"skip\"", 0));
    List<Action> due = tickAt(600_500);
    assertThat(((Schedules.Tick) due.get(0)).tick()).isEqualTo(600_000);
    assertThat(((Schedules.Tick) due.get(0)).makesJob()).isTrue();
    assertThat(tickAt(600_500)).isEmpty();
  }

  @Test
  void aPausedScheduleDoesNotTickAndNothingIsDueBeforeThePartitionIsRead() throws Exception {
    schedules.assigned(P0, 5);
    define(every2s("", 0));
    assertThat(schedules.due(2_000, 100)).isEmpty(); // read up to offset 5 first
    schedules.readUpTo(P0, 5);
    define(every2s("", 0).withPaused(true));
    assertThat(schedules.due(10_000, 100)).isEmpty();
  }

  @Test
  void aResumedScheduleContinuesWithTheNextTickAfterTheResumeInsteadOfCatchingUpThePause() throws Exception {
    schedules.assigned(P0, 0);
    ScheduleSpec spec = every2s("", 0);
    define(spec, 0);
    assertThat(ticks(tickAt(2_000))).containsExactly(2_000L);
    define(spec.withPaused(true), 3_000);
    assertThat(tickAt(10_000)).isEmpty();
    define(spec.withPaused(false), 10_500); // resumed: the ticks 4..10 s were paused, not missed
    assertThat(tickAt(10_600)).isEmpty();
    List<Action> next = tickAt(12_000);
    assertThat(ticks(next)).containsExactly(12_000L);
    assertThat(((Schedules.Tick) next.get(0)).makesJob()).isTrue();
  }

  @Test
  void anOutageAfterAResumeIsStillCaughtUp() throws Exception {
    schedules.assigned(P0, 0);
    ScheduleSpec spec = every2s("", 0);
    define(spec.withPaused(true), 0);
    define(spec, 10_500);
    // Nothing fired 12..16 s (no owner): each of those ticks runs, oldest first.
    assertThat(List.of(ticks(tickAt(16_500)), ticks(tickAt(16_500)), ticks(tickAt(16_500)), ticks(tickAt(16_500))))
        .containsExactly(List.of(12_000L), List.of(14_000L), List.of(16_000L), List.of());
  }

  @Test
  void ticksStartAfterTheDefinitionsKafkaTimestampNotTheApiReplicasCreatedAt() throws Exception {
    schedules.assigned(P0, 0);
    // The API replica's clock was 5 s behind: created_at says 0, the committed record says 5 s.
    define(every2s("", 0), 5_000);
    assertThat(tickAt(5_000)).as("no tick from before the schedule existed").isEmpty();
    assertThat(ticks(tickAt(6_000))).containsExactly(6_000L);
  }

  @Test
  void aBadScheduleIsRefusedNamingTheField() {
    for (String[] bad : new String[][] {
        {"{\"name\":\"a b\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\"}", "name"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL9\",\"every\":\"PT2S\"}", "task"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\",\"cron\":\"0 25 * * *\"}", "cron: hour"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\"}", "give either cron"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\",\"every\":\"PT0.1S\"}", "every"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\",\"zone\":\"Mars/Base\"}", "zone"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\",\"daterange\":\"yesterday\"}", "daterange"},
        {"{\"name\":\"a\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\",\"catch_up\":\"some\"}", "catch_up"}}) {
      assertThatThrownBy(() -> ScheduleSpec.fromRequest(Json.MAPPER.readTree(bad[0]), 0)).as(bad[0])
          .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith(bad[1]);
    }
  }
}
