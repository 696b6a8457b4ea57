package org.scix.pipeline.gateway.owned;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.delayed.DelayedPartitions;
import org.scix.pipeline.gateway.delayed.WaitingJobs;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.schedules.ScheduleSpec;
import org.scix.pipeline.gateway.schedules.Schedules;

/**
 * The owned-work loop without a broker: MockConsumer for the owned topics (the test decides what
 * they hold and when offset reads fail), MockProducers behind the real {@link TransactionalWriter}.
 */
class OwnedPartitionsTest {
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));
  private static final TopicPartition DELAYED = new TopicPartition(TOPICS.delayed(), 0);
  private static final TopicPartition SCHEDULES = new TopicPartition(TOPICS.schedules(), 0);
  private static final long NOW = 10_000;

  private final List<MockProducer<String, Object>> producers = new ArrayList<>();
  private final FlakyConsumer consumer = new FlakyConsumer();
  private final DelayedPartitions delayedPartitions = new DelayedPartitions(1);
  private final OwnedPartitions owned = new OwnedPartitions(consumer,
      new TransactionalWriter("owned-test", this::newProducer, () -> true, Duration.ofMillis(100)),
      List.of(new WaitingJobs(TOPICS, "gateway-test", new SimpleMeterRegistry(), delayedPartitions),
          new Schedules(TOPICS, "gateway-test", new SimpleMeterRegistry())),
      List.of(), Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

  /** A consumer whose offset reads time out while Kafka is away, as KafkaConsumer's do. */
  private static final class FlakyConsumer extends MockConsumer<String, byte[]> {
    int offsetReadsFailing;

    FlakyConsumer() {
      super("earliest");
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
      if (offsetReadsFailing > 0) {
        offsetReadsFailing--;
        throw new TimeoutException("Timeout of 60000ms expired before the last committed offset could be determined");
      }
      return super.committed(partitions);
    }
  }

  private MockProducer<String, Object> newProducer() {
    MockProducer<String, Object> producer = new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
    producers.add(producer);
    return producer;
  }

  private MockProducer<String, Object> producer() {
    return producers.get(producers.size() - 1);
  }

  /** Turns as the owned-work thread takes them: a failed turn is logged and taken again. */
  private void turns(int n) {
    for (int i = 0; i < n; i++) {
      try {
        owned.turn();
      } catch (RuntimeException e) {
        // run() logs it and takes the turn again
      }
    }
  }

  /** This replica owns {@code partition}, empty so far, and has read it. */
  private void own(TopicPartition partition) {
    owned.start();
    consumer.updateBeginningOffsets(Map.of(partition, 0L));
    consumer.updateEndOffsets(Map.of(partition, 0L));
    consumer.rebalance(List.of(partition));
    turns(1);
  }

  private void unknownOutcomeThenKafkaAwayForOneOffsetRead() {
    producer().commitTransactionException = new TimeoutException("the coordinator does not answer");
    consumer.offsetReadsFailing = 1;
  }

  private List<String> committedKeysOn(String topic) {
    return producer().transactionCommitted() ? producer().history().stream().filter(r -> r.topic().equals(topic))
        .map(ProducerRecord::key).toList() : List.of();
  }

  @Test
  void aDelayedJobWhoseHandOnHadAnUnknownOutcomeIsHandedOnOnceKafkaAnswersAgain() {
    own(DELAYED);
    unknownOutcomeThenKafkaAwayForOneOffsetRead();
    consumer.addRecord(delayedJob("a", 0));
    consumer.updateEndOffsets(Map.of(DELAYED, 1L));
    turns(1); // hands "a" on: the commit's outcome is unknown (it did not commit: nothing is read back)

    // The partition still holds "a" and no tombstone; reading it again from its beginning finds it.
    consumer.addRecord(delayedJob("a", 0));
    turns(3); // the first re-read times out, the next succeeds
    assertThat(producers).hasSizeGreaterThan(1);
    assertThat(committedKeysOn(TOPICS.input())).containsExactly("a");
  }

  @Test
  void aHandOnThatCommittedDespiteItsUnknownOutcomeIsNotDoneAgain() {
    own(DELAYED);
    unknownOutcomeThenKafkaAwayForOneOffsetRead();
    consumer.addRecord(delayedJob("a", 0));
    consumer.updateEndOffsets(Map.of(DELAYED, 2L));
    turns(1);

    // It did commit: reading the partition again finds "a" and its tombstone.
    consumer.addRecord(delayedJob("a", 0));
    consumer.addRecord(record(DELAYED, 1, "a", null, new RecordHeaders()));
    turns(3);
    assertThat(committedKeysOn(TOPICS.input())).isEmpty();
  }

  @Test
  void aScheduleWhoseTickHadAnUnknownOutcomeTicksOnceKafkaAnswersAgain() throws Exception {
    own(SCHEDULES);
    unknownOutcomeThenKafkaAwayForOneOffsetRead();
    ScheduleSpec spec = ScheduleSpec.fromRequest(Json.MAPPER.readTree("{\"name\":\"s\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\"}"),
        NOW - 3_000);
    consumer.addRecord(record(SCHEDULES, 0, "s", spec.toJson(), new RecordHeaders()));
    consumer.updateEndOffsets(Map.of(SCHEDULES, 1L));
    turns(1); // the tick's commit: outcome unknown

    consumer.addRecord(record(SCHEDULES, 0, "s", spec.toJson(), new RecordHeaders()));
    turns(3);
    assertThat(producers).hasSizeGreaterThan(1);
    assertThat(committedKeysOn(TOPICS.schedules())).isNotEmpty();
  }

  @Test
  void partitionsAddedToTheDelayedTopicPlaceDelayedJobsAndCancelsAfterTheRebalanceTheyStart() {
    consumer.updatePartitions(TOPICS.delayed(), partitionsOfDelayed(1));
    own(DELAYED);
    assertThat(delayedPartitions.count()).isEqualTo(1);

    // Three partitions added: Kafka rebalances the group; this replica may get none of them.
    consumer.updatePartitions(TOPICS.delayed(), partitionsOfDelayed(4));
    consumer.rebalance(List.of(DELAYED));
    turns(1);
    assertThat(delayedPartitions.count()).isEqualTo(4);
    String job = "a job placed by a replica that knew of the new partitions";
    assertThat(delayedPartitions.partitionFor(job)).isEqualTo(DelayedRecords.partitionFor(job, 4));

    // A metadata answer from before the change (a lagging broker) does not move placement back.
    consumer.updatePartitions(TOPICS.delayed(), partitionsOfDelayed(1));
    consumer.rebalance(List.of(DELAYED));
    turns(1);
    assertThat(delayedPartitions.count()).isEqualTo(4);
  }

  private static List<PartitionInfo> partitionsOfDelayed(int count) {
    return IntStream.range(0, count).mapToObj(p -> new PartitionInfo(TOPICS.delayed(), p, null, null, null)).toList();
  }

  private static ConsumerRecord<String, byte[]> delayedJob(String id, long offset) {
    RecordHeaders headers = new RecordHeaders();
    DelayedRecords.addTimes(headers, Instant.ofEpochMilli(NOW - 1_000), Instant.ofEpochMilli(0));
    return record(DELAYED, offset, id, new byte[] {1}, headers);
  }

  private static ConsumerRecord<String, byte[]> record(TopicPartition partition, long offset, String key, byte[] value,
      RecordHeaders headers) {
    return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, 0L, TimestampType.CREATE_TIME, 0, 0, key, value,
        headers, Optional.empty());
  }
}
