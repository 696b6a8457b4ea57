package org.scix.pipeline.gateway.delayed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.gateway.owned.OwnedTopic.Action;
import org.scix.pipeline.gateway.delayed.WaitingJobs.CancelWaiting;
import org.scix.pipeline.gateway.delayed.WaitingJobs.DropCopy;
import org.scix.pipeline.gateway.delayed.WaitingJobs.HandOn;
import org.scix.pipeline.gateway.delayed.WaitingJobs.PassCancelOn;

class WaitingJobsTest {
  private static final TopicPartition P0 = new TopicPartition("TEMPLATEInput.delayed", 0);
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));
  private final WaitingJobs waiting = new WaitingJobs(TOPICS, "gateway-test", new SimpleMeterRegistry());
  private long offset;

  @Test
  void aJobIsDueAtItsTimeAndNotBefore() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 5_000));
    assertThat(waiting.due(4_999, 10)).isEmpty();
    assertThat(waiting.due(5_000, 10)).singleElement().isInstanceOf(HandOn.class).extracting(Action::key).isEqualTo("a");
  }

  @Test
  void nothingIsDueBeforeThePartitionWasReadUpToWhereItStoodWhenAssigned() {
    waiting.assigned(P0, 2); // the previous owner handed "a" on: its tombstone is at offset 1
    waiting.apply(job("a", 1_000));
    waiting.readUpTo(P0, 1);
    assertThat(waiting.due(10_000, 10)).isEmpty();

    waiting.apply(tombstone("a"));
    waiting.readUpTo(P0, 2);
    assertThat(waiting.due(10_000, 10)).isEmpty();
    assertThat(waiting.size()).isZero();
  }

  @Test
  void anActionIsNotDueAgainWhileItsTransactionIsOpenAndIsAgainIfItDidNotCommit() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 1_000));
    List<Action> first = waiting.due(2_000, 10);
    assertThat(waiting.due(2_000, 10)).isEmpty();
    waiting.release(first);
    assertThat(waiting.due(2_000, 10)).hasSize(1);
  }

  @Test
  void aCommittedActionIsDoneBeforeItsTombstoneIsReadBack() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 1_000));
    waiting.done(waiting.due(2_000, 10));
    assertThat(waiting.due(3_000, 10)).isEmpty();
    assertThat(waiting.size()).isZero();
  }

  @Test
  void aCancelOfAWaitingJobCancelsItAtOnceAndItNeverFallsDue() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 60_000));
    waiting.apply(cancel("a"));
    List<Action> due = waiting.due(1_000, 10);
    assertThat(due).singleElement().isInstanceOf(CancelWaiting.class);
    assertThat(waiting.records(due.get(0))).as("the gateway's cancel on the control topic is carried out here")
        .anySatisfy(r -> {
          assertThat(r.topic()).isEqualTo(TOPICS.control());
          assertThat(r.key()).isEqualTo("job/a/cancelled");
          assertThat(r.value()).isNull();
        });
    waiting.done(due);
    assertThat(waiting.due(120_000, 10)).isEmpty();
  }

  @Test
  void aCancelOfAJobHandedOnAlreadyIsPassedOnToTheWorkers() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 1_000));
    waiting.apply(tombstone("a")); // handed on
    waiting.apply(cancel("a"));
    assertThat(waiting.due(2_000, 10)).singleElement().isInstanceOf(PassCancelOn.class);
  }

  @Test
  void aPartitionThatMovedAwayIsForgotten() {
    waiting.assigned(P0, 0);
    waiting.apply(job("a", 1_000));
    waiting.forget(List.of(P0));
    assertThat(waiting.due(2_000, 10)).isEmpty();
    waiting.apply(job("b", 1_000)); // a record of a partition not owned: ignored
    assertThat(waiting.size()).isZero();
  }

  @Test
  void atMostMaxActionsAreDueAtOnce() {
    waiting.assigned(P0, 0);
    for (int i = 0; i < 5; i++) {
      waiting.apply(job("j" + i, 1_000));
    }
    assertThat(waiting.due(2_000, 3)).hasSize(3);
    assertThat(waiting.due(2_000, 3)).hasSize(2);
  }

  @Test
  void aCancelPlacedByMorePartitionsThanItsJobWasStillCancelsTheJob() {
    // A job placed when the topic had one partition, its cancel by the count of four, after three were added.
    String id = IntStream.range(0, 100).mapToObj(i -> "job-" + i).filter(j -> DelayedRecords.partitionFor(j, 4) != 0).findFirst()
        .orElseThrow();
    TopicPartition placedBy4 = new TopicPartition(P0.topic(), DelayedRecords.partitionFor(id, 4));
    WaitingJobs owner = new WaitingJobs(TOPICS, "gateway-test", new SimpleMeterRegistry(), new DelayedPartitions(4));
    owner.assigned(P0, 0);
    owner.assigned(placedBy4, 0);
    owner.apply(job(id, 60_000));
    owner.apply(record(placedBy4, DelayedRecords.cancelKey(id), new byte[0], new RecordHeaders()));

    List<Action> passed = owner.due(1_000, 10);
    assertThat(passed).singleElement().isInstanceOf(PassCancelOn.class);
    // The owner of each partition reads what was written to it: here, the copy on the job's partition.
    owner.records(passed.get(0)).stream().filter(r -> r.topic().equals(P0.topic()) && r.value() != null)
        .forEach(r -> owner.apply(record(new TopicPartition(r.topic(), r.partition()), r.key(), (byte[]) r.value(), r.headers())));
    owner.done(passed);

    List<Action> cancelled = owner.due(1_000, 10);
    assertThat(cancelled).singleElement().isInstanceOf(CancelWaiting.class);
    owner.done(cancelled);
    assertThat(owner.due(120_000, 10)).as("never handed on").isEmpty();
  }

  @Test
  void aCancelCopiedToTheOtherPartitionsGoesToEachOfThemOnceAndACopyFindingNoJobIsDropped() {
    WaitingJobs owner = new WaitingJobs(TOPICS, "gateway-test", new SimpleMeterRegistry(), new DelayedPartitions(3));
    owner.assigned(P0, 0);
    owner.apply(cancel("a")); // no job "a" here
    List<ProducerRecord<String, Object>> passedOn = owner.records(owner.due(1_000, 10).get(0));
    assertThat(passedOn).filteredOn(r -> r.topic().equals(P0.topic()) && r.value() != null)
        .extracting(ProducerRecord::partition).containsExactly(1, 2);

    owner.assigned(P0, 0);
    ProducerRecord<String, Object> copy = passedOn.stream().filter(r -> r.topic().equals(P0.topic()) && r.value() != null).findFirst()
        .orElseThrow();
    owner.apply(record(P0, copy.key(), (byte[]) copy.value(), copy.headers()));
    List<Action> due = owner.due(1_000, 10);
    assertThat(due).singleElement().isInstanceOf(DropCopy.class);
    assertThat(owner.records(due.get(0))).singleElement().satisfies(r -> assertThat(r.value()).as("only its tombstone").isNull());
  }

  @Test
  void aCopyOfACancelArrivingJustAfterItsJobWasHandedOnHerePassesTheCancelOnAfterTheJob() {
    WaitingJobs owner = new WaitingJobs(TOPICS, "gateway-test", new SimpleMeterRegistry(), new DelayedPartitions(3));
    owner.assigned(P0, 0);
    owner.apply(job("a", 1_000));
    owner.done(owner.due(1_000, 10)); // handed on: the original cancel, on another partition, may have been passed on before

    owner.apply(copyOfCancel("a"));
    List<Action> due = owner.due(2_000, 10);
    assertThat(due).singleElement().isInstanceOf(PassCancelOn.class);
    assertThat(owner.records(due.get(0))).extracting(ProducerRecord::topic).as("passed on, not copied again")
        .containsExactlyInAnyOrder(TOPICS.input(), TOPICS.bulkInput(), P0.topic());

    // Long after, a copy finds nothing to follow: dropped.
    owner.done(due);
    owner.apply(copyOfCancel("a"));
    assertThat(owner.due(2_000 + WaitingJobs.GONE_KEPT_MS, 10)).singleElement().isInstanceOf(DropCopy.class);
  }

  private ConsumerRecord<String, byte[]> copyOfCancel(String id) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(WaitingJobs.COPIED, new byte[0]);
    return record(DelayedRecords.cancelKey(id), new byte[0], headers);
  }

  private ConsumerRecord<String, byte[]> job(String id, long dueMillis) {
    RecordHeaders headers = new RecordHeaders();
    DelayedRecords.addTimes(headers, Instant.ofEpochMilli(dueMillis), Instant.ofEpochMilli(0));
    return record(id, new byte[] {1}, headers);
  }

  private ConsumerRecord<String, byte[]> cancel(String id) {
    return record(DelayedRecords.cancelKey(id), new byte[0], new RecordHeaders());
  }

  private ConsumerRecord<String, byte[]> tombstone(String id) {
    return record(id, null, new RecordHeaders());
  }

  private ConsumerRecord<String, byte[]> record(String key, byte[] value, RecordHeaders headers) {
    return record(P0, key, value, headers);
  }

  private ConsumerRecord<String, byte[]> record(TopicPartition partition, String key, byte[] value, Headers headers) {
    return new ConsumerRecord<>(partition.topic(), partition.partition(), offset++, 0L, TimestampType.CREATE_TIME, 0, 0, key, value,
        headers, Optional.empty());
  }
}
