package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class ConsumersTest {
  private static final TopicPartition P0 = new TopicPartition("TEMPLATEInput", 0);

  /** A task or commit thread's wakeup that lands just after a poll returned hits committed() instead: it is asked again. */
  @Test
  void aWakeupMeantForPollDoesNotFailTheCommittedOffsetsLookup() {
    AtomicBoolean woken = new AtomicBoolean(true);
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        if (woken.getAndSet(false)) {
          throw new WakeupException();
        }
        return super.committed(partitions);
      }
    };
    consumer.assign(Set.of(P0));
    consumer.commitSync(Map.of(P0, new OffsetAndMetadata(7, "v1|d=|")));

    assertThat(Consumers.committed(consumer, Set.of(P0))).containsEntry(P0, new OffsetAndMetadata(7, "v1|d=|"));
  }
}
