package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PerTopicStickyAssignorTest {
  private static final Map<String, Integer> TOPICS = Map.of("in", 4, "in.bulk", 4, "in.parked", 16);
  private static final List<String> SUBSCRIBED = List.of("in", "in.bulk", "in.parked");

  /**
   * A worker joins one that holds every partition: after the cooperative handover (two
   * rebalances), each holds half of every topic. Kafka's own assignor, balancing the sum only,
   * leaves the newcomer nothing but parked-topic partitions.
   */
  @Test
  void aWorkerThatJoinsLateGetsItsShareOfEveryTopicNotJustTheTailOfTheList() {
    List<TopicPartition> all = new ArrayList<>();
    TOPICS.forEach((topic, count) -> {
      for (int p = 0; p < count; p++) {
        all.add(new TopicPartition(topic, p));
      }
    });
    Map<String, List<TopicPartition>> after = twoRounds(new PerTopicStickyAssignor(), all);
    for (String member : List.of("a", "b")) {
      assertThat(after.get(member)).filteredOn(p -> p.topic().equals("in")).hasSize(2);
      assertThat(after.get(member)).filteredOn(p -> p.topic().equals("in.bulk")).hasSize(2);
      assertThat(after.get(member)).filteredOn(p -> p.topic().equals("in.parked")).hasSize(8);
    }

    Map<String, List<TopicPartition>> kafkas = twoRounds(new CooperativeStickyAssignor(), all);
    assertThat(kafkas.get("b")).as("what the plain cooperative sticky assignor does").noneMatch(p -> p.topic().equals("in"));
  }

  /** Round one: a owns everything, b joins; a gives up what moves. Round two: b gets it. */
  private static Map<String, List<TopicPartition>> twoRounds(org.apache.kafka.clients.consumer.ConsumerPartitionAssignor assignor,
      List<TopicPartition> ownedByA) {
    Map<String, List<TopicPartition>> first = round(assignor, ownedByA, List.of(), 1);
    assertThat(first.get("b")).as("nothing changes owner in the round its owner gives it up").isEmpty();
    return round(assignor, first.get("a"), first.get("b"), 2);
  }

  private static Map<String, List<TopicPartition>> round(org.apache.kafka.clients.consumer.ConsumerPartitionAssignor assignor,
      List<TopicPartition> ownedByA, List<TopicPartition> ownedByB, int generation) {
    Map<String, Subscription> members = new HashMap<>();
    members.put("a", new Subscription(SUBSCRIBED, assignor.subscriptionUserData(Set.copyOf(SUBSCRIBED)), ownedByA, generation,
        java.util.Optional.empty()));
    members.put("b", new Subscription(SUBSCRIBED, assignor.subscriptionUserData(Set.copyOf(SUBSCRIBED)), ownedByB, generation,
        java.util.Optional.empty()));
    Map<String, List<TopicPartition>> result = new HashMap<>();
    assignor.assign(cluster(), new GroupSubscription(members)).groupAssignment()
        .forEach((member, assignment) -> result.put(member, assignment.partitions()));
    return result;
  }

  private static Cluster cluster() {
    Node node = new Node(0, "localhost", 9092);
    List<PartitionInfo> partitions = new ArrayList<>();
    TOPICS.forEach((topic, count) -> {
      for (int p = 0; p < count; p++) {
        partitions.add(new PartitionInfo(topic, p, node, new Node[] {node}, new Node[] {node}));
      }
    });
    return new Cluster("test", List.of(node), partitions, Set.of(), Set.of());
  }
}
