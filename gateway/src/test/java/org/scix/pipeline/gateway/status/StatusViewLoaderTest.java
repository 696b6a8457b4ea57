package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.TestStatuses;

/** The status view's reader over MockConsumers: health that tells the truth, partitions added at runtime. */
class StatusViewLoaderTest {
  private static final String TOPIC = "TEMPLATEStatus";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  private static final Node NODE = new Node(1, "localhost", 9092);
  /** Values are "jobId:State". */
  private final AtomicInteger decoded = new AtomicInteger();
  private final Deserializer<JobStatus> statuses = (topic, data) -> {
    decoded.incrementAndGet();
    return TestStatuses.parse(new String(data, StandardCharsets.UTF_8));
  };
  private final OwnPendings ownPendings = new OwnPendings(Duration.ofMinutes(1));

  private final AtomicBoolean kafkaUnreachable = new AtomicBoolean();
  private final AtomicInteger lookupsWhileUnreachable = new AtomicInteger();
  private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
    @Override
    public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
      if (kafkaUnreachable.get()) {
        lookupsWhileUnreachable.incrementAndGet();
        throw new TimeoutException("Timeout expired while fetching topic metadata");
      }
      return super.partitionsFor(topic, timeout);
    }
  };
  private final MockConsumer<String, byte[]> ends = new MockConsumer<>("earliest");
  private final StatusView view = StatusView.inMemory();
  private final AtomicInteger stateChanges = new AtomicInteger();
  private final List<JobRecord> staleEnds = new java.util.concurrent.CopyOnWriteArrayList<>();
  private StatusViewLoader loader;
  private volatile boolean housekeepingFails;

  @BeforeEach
  void start() {
    consumer.updatePartitions(TOPIC, List.of(partition(0)));
    consumer.updateBeginningOffsets(Map.of(P0, 0L));
    ends.updateEndOffsets(Map.of(P0, 0L));
    Runnable housekeeping = () -> {
      if (housekeepingFails) {
        throw new IllegalStateException("retention broke");
      }
    };
    loader = new StatusViewLoader(view, TOPIC, consumer, ends, statuses, Duration.ofSeconds(30), Duration.ofMillis(100), "test",
        new StatusViewLoader.Hooks(stateChanges::incrementAndGet, ownPendings, housekeeping, staleEnds::addAll), new SimpleMeterRegistry());
    loader.start();
    await().atMost(Duration.ofSeconds(5)).until(loader::isHealthy);
  }

  @AfterEach
  void stop() {
    loader.close();
  }

  @Test
  void theReaderDyingMakesTheViewUnhealthyAndSaysSo() {
    int before = stateChanges.get();
    consumer.setPollException(new KafkaException("the consumer broke"));

    await().atMost(Duration.ofSeconds(5)).until(() -> !loader.isHealthy());
    assertThat(loader.isCaughtUp()).isTrue(); // it had caught up; it is its death that makes it untrustworthy
    assertThat(stateChanges.get()).isGreaterThan(before); // health is told at once, not at the next poll of it
  }

  @Test
  void aPartitionAddedToTheTopicAfterStartIsRead() {
    consumer.updatePartitions(TOPIC, List.of(partition(0), partition(1)));
    consumer.updateBeginningOffsets(Map.of(P1, 0L));
    await().atMost(Duration.ofSeconds(5)).until(() -> consumer.assignment().contains(P1));

    consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 0, "job-on-p1", "job-on-p1:Processing".getBytes(StandardCharsets.UTF_8)));

    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-on-p1").isPresent());
    assertThat(view.status("job-on-p1")).contains(JobState.Processing);
  }

  @Test
  void aFailingRetentionSweepDoesNotStopTheReader() {
    housekeepingFails = true;
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "job-a", "job-a:Pending".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-a").isPresent());
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "job-a", "job-a:Success".getBytes(StandardCharsets.UTF_8)));

    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-a").orElseThrow() == JobState.Success);
    assertThat(loader.isHealthy()).isTrue();
  }

  /** The periodic check for added partitions times out while Kafka is away; the reader must outlive that. */
  @Test
  void aKafkaOutageLongerThanAMetadataLookupDoesNotStopTheReader() {
    kafkaUnreachable.set(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> lookupsWhileUnreachable.get() >= 3); // it kept asking
    assertThat(loader.isHealthy()).isTrue();

    kafkaUnreachable.set(false);
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "job-b", "job-b:Success".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-b").isPresent());
  }

  /** The gateway's own Pending is applied as written, not decoded back; what follows it is decoded as usual. */
  @Test
  void aPendingThisReplicaWroteIsAppliedWithoutDecodingItBack() {
    JobStatus pending = JobStatuses.pending("job-own", "SYMBOL1", "gateway-test", null, null);
    ownPendings.writing("job-own", pending);
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "job-own", "bytes the test deserializer cannot read".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-own").isPresent());
    assertThat(view.job("job-own").orElseThrow().state()).isEqualTo(JobState.Pending);
    assertThat(decoded).hasValue(0);
    assertThat(ownPendings.size()).isZero(); // taken: the next event of the job is decoded

    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "job-own", "job-own:Success".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(5)).until(() -> view.status("job-own").orElseThrow() == JobState.Success);
    assertThat(decoded).hasValue(1);
    assertThat(view.resumeOffsets()).containsEntry(0, 2L);
  }

  private static PartitionInfo partition(int number) {
    return new PartitionInfo(TOPIC, number, NODE, new Node[] {NODE}, new Node[] {NODE});
  }
}
