package org.scix.pipeline.gateway.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.JobIds;

class FreshJobIdsTest {
  private static final int PARTITIONS = 16;

  /** The id Kafka's own partitioner maps to the asked partition, for every partition; and it is a well-formed, fresh id. */
  @Test
  void anIdDrawnForAPartitionIsPutThereByKafkasPartitioner() {
    Set<String> ids = new HashSet<>();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      for (int i = 0; i < 50; i++) {
        String id = JobIds.randomOnPartition(partition, PARTITIONS);
        assertThat(BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), PARTITIONS)).isEqualTo(partition);
        assertThat(JobIds.isValid(id)).isTrue();
        ids.add(id);
      }
    }
    assertThat(ids).hasSize(PARTITIONS * 50);
  }

  /** Ids drawn within the span keep to one partition, at most the maximum in a row; then the target moves to another one. */
  @Test
  void idsDrawnTogetherKeepToOnePartitionUntilTheCountIsUsedUp() {
    FreshJobIds ids = new FreshJobIds(PARTITIONS, Duration.ofHours(1), 4);
    long now = System.nanoTime();
    int first = ids.target(now);
    assertThat(ids.target(now)).isEqualTo(first);
    assertThat(ids.target(now)).isEqualTo(first);
    assertThat(ids.target(now)).isEqualTo(first);
    int second = ids.target(now);
    assertThat(second).isNotEqualTo(first);
    assertThat(ids.target(now)).isEqualTo(second);
  }

  /** Once the span has passed the target moves on, and over many spans every partition gets ids (the load spreads). */
  @Test
  void theTargetMovesOnAfterTheSpanAndCoversEveryPartition() {
    FreshJobIds ids = new FreshJobIds(PARTITIONS, Duration.ofMillis(5), 1_000);
    long now = System.nanoTime();
    int before = ids.target(now);
    Set<Integer> seen = new HashSet<>();
    for (int span = 0; span < 1_000; span++) {
      now += Duration.ofMillis(5).toNanos();
      int target = ids.target(now);
      assertThat(target).isNotEqualTo(before).isBetween(0, PARTITIONS - 1);
      seen.add(target);
      before = target;
    }
    assertThat(seen).hasSize(PARTITIONS);
  }
}
