package org.scix.pipeline.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.input.taskenum;

class ControlStateTest {
  private static final String TOPIC = "in.control";
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

  /** The compacted topic's records, in order: a pause, a cancelled batch, the pause's tombstone, another pause. */
  @Test
  void theControlTopicReadToItsEndSaysWhichTasksArePausedAndWhichBatchesCancelled() {
    MockConsumer<String, byte[]> consumer = controlTopicWithRecords(4);
    consumer.schedulePollTask(() -> {
      add(consumer, 0, TaskControls.paused(TOPIC, "SYMBOL1", 1000, "ops team"));
      add(consumer, 1, BatchRecords.cancelled(TOPIC, "b1", 2000));
      add(consumer, 2, TaskControls.resumed(TOPIC, "SYMBOL1"));
      add(consumer, 3, TaskControls.paused(TOPIC, "SYMBOL2", 3000, " "));
    });
    ControlState state = new ControlState(consumer, TOPIC);
    state.start(Duration.ofSeconds(5));
    try {
      assertThat(state.isPaused("SYMBOL1")).isFalse();
      assertThat(state.pausedTasks()).containsOnlyKeys("SYMBOL2");
      assertThat(state.pausedTasks().get("SYMBOL2")).isEqualTo(new TaskControls.Pause(3000, "unknown"));
      assertThat(state.isCancelled("b1")).isTrue();
      assertThat(state.version()).isEqualTo(4); // each change moves it once
    } finally {
      state.close();
    }
  }

  /**
   * A poll of the control topic fails: the state says it is not following (a worker is not ready
   * then), keeps polling, and applies what is written after. Before, the follow thread died on
   * the exception and every later pause and cancel went unseen while the worker stayed ready.
   */
  @Test
  void aFailedPollOfTheControlTopicIsReportedAndFollowingGoesOn() {
    MockConsumer<String, byte[]> consumer = controlTopicWithRecords(0);
    ControlState state = new ControlState(consumer, TOPIC);
    state.start(Duration.ofSeconds(5));
    try {
      assertThat(state.isFollowing()).isTrue();
      consumer.setPollException(new org.apache.kafka.common.KafkaException("broker away"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !state.isFollowing());

      consumer.schedulePollTask(() -> add(consumer, 0, TaskControls.paused(TOPIC, "SYMBOL1", 1000, "ops")));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> state.isPaused("SYMBOL1"));
      assertThat(state.isFollowing()).isTrue();
    } finally {
      state.close();
    }
  }

  /**
   * While the reader is held (a frozen process, a starved thread, a poll that hangs), the state is
   * not fresh, so a worker starts no job on what may be an old view of pauses and cancels; it is
   * fresh again once a poll begun after that completes.
   */
  @Test
  void theStateIsFreshOnlyWhileAPollBegunRecentlyHasCompleted() throws Exception {
    MockConsumer<String, byte[]> consumer = controlTopicWithRecords(0);
    ControlState state = new ControlState(consumer, TOPIC);
    state.start(Duration.ofSeconds(5));
    try {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> state.isFreshWithin(Duration.ofMillis(300)));
      java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
      consumer.schedulePollTask(() -> {
        try {
          held.await(); // this poll hangs until the test lets it go
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !state.isFreshWithin(Duration.ofMillis(300)));
      held.countDown();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> state.isFreshWithin(Duration.ofMillis(300)));
      assertThat(ControlState.inMemory().isFreshWithin(Duration.ZERO)).isTrue();
    } finally {
      state.close();
    }
  }

  /**
   * A poll that stalled (the process frozen) may return what was fetched before the freeze: the
   * state is fresh again only once read to the end as it is after the stall. Before, the next
   * quick poll made it fresh, and a thawed worker started jobs of a task paused meanwhile.
   */
  @Test
  void afterAStalledPollTheStateIsFreshOnlyOnceReadToTheEndAsItIsNow() throws Exception {
    MockConsumer<String, byte[]> consumer = controlTopicWithRecords(0);
    ControlState state = new ControlState(consumer, TOPIC);
    state.start(Duration.ofSeconds(5));
    try {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> state.isFreshWithin(Duration.ofMillis(300)));
      consumer.updateEndOffsets(Map.of(PARTITION, 1L)); // a pause committed while this process is frozen, not fetched yet
      consumer.schedulePollTask(() -> {
        try {
          Thread.sleep(1_200); // the freeze
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Thread.sleep(2_000); // the stalled poll and several quick ones after it, which return nothing
      assertThat(state.isFreshWithin(Duration.ofMillis(300))).isFalse();

      add(consumer, 0, TaskControls.paused(TOPIC, "SYMBOL1", 0, "test"));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> state.isFreshWithin(Duration.ofMillis(300)));
      assertThat(state.isPaused("SYMBOL1")).isTrue();
    } finally {
      state.close();
    }
  }

  @Test
  void aParkedJobGoesToOneOfItsTasksPartitionsAndThePartitionNamesTheTask() {
    for (taskenum task : taskenum.values()) {
      int partition = ParkedJobs.partition(task, "a".repeat(64), 8);
      assertThat(partition).isBetween(task.ordinal() * 8, task.ordinal() * 8 + 7);
      assertThat(ParkedJobs.taskOf(partition, 8)).isEqualTo(task.name());
    }
    assertThat(ParkedJobs.partitionCount(8)).isEqualTo(8 * taskenum.values().length);
    assertThat(ParkedJobs.taskOf(8 * taskenum.values().length, 8)).isNull();
    assertThat(TaskControls.pausedTask("task/SYMBOL1/paused")).isEqualTo("SYMBOL1");
    assertThat(TaskControls.pausedTask("batch/x")).isNull();
  }

  /** A consumer of the control topic's one partition, whose end is at {@code endOffset} (records to come by poll tasks). */
  private static MockConsumer<String, byte[]> controlTopicWithRecords(long endOffset) {
    MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    consumer.updateEndOffsets(Map.of(PARTITION, endOffset));
    return consumer;
  }

  private static void add(MockConsumer<String, byte[]> consumer, long offset, ProducerRecord<String, Object> record) {
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, record.key(), (byte[]) record.value()));
  }
}
