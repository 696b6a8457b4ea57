package org.scix.pipeline.worker.runner;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's cooperative sticky assignment, made topic by topic, so every worker gets its share of
 * each topic. Workers consume three topics (interactive input, bulk input, parked jobs); balancing
 * their sum alone lets a worker that joins late get only the tail of the sorted list (the parked
 * topic's partitions, idle while nothing is parked) and never run an interactive job. Each topic's
 * run is Kafka's own {@link CooperativeStickyAssignor}: sticky within the topic, and a partition
 * changes owner only after its owner gave it up (the cooperative protocol's second rebalance).
 */
public final class PerTopicStickyAssignor implements ConsumerPartitionAssignor {
  public static final String NAME = "scix-per-topic-cooperative-sticky";
  private final CooperativeStickyAssignor sticky = new CooperativeStickyAssignor();

  @Override
  public GroupAssignment assign(Cluster metadata, GroupSubscription group) {
    Map<String, Subscription> members = group.groupSubscription();
    Set<String> topics = new TreeSet<>();
    members.values().forEach(s -> topics.addAll(s.topics()));
    Map<String, List<TopicPartition>> merged = new HashMap<>();
    members.keySet().forEach(member -> merged.put(member, new ArrayList<>()));
    for (String topic : topics) {
      Map<String, Subscription> ofTopic = new HashMap<>();
      members.forEach((member, s) -> {
        if (s.topics().contains(topic)) {
          List<TopicPartition> owned = s.ownedPartitions().stream().filter(p -> p.topic().equals(topic)).toList();
          Subscription one = new Subscription(List.of(topic), s.userData() == null ? null : s.userData().duplicate(), owned,
              s.generationId().orElse(-1), s.rackId());
          one.setGroupInstanceId(s.groupInstanceId());
          ofTopic.put(member, one);
        }
      });
      sticky.assign(metadata, new GroupSubscription(ofTopic)).groupAssignment()
          .forEach((member, assignment) -> merged.get(member).addAll(assignment.partitions()));
    }
    Map<String, Assignment> assignments = new HashMap<>();
    merged.forEach((member, partitions) -> assignments.put(member, new Assignment(partitions)));
    return new GroupAssignment(assignments);
  }

  @Override
  public ByteBuffer subscriptionUserData(Set<String> topics) {
    return sticky.subscriptionUserData(topics);
  }

  @Override
  public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
    sticky.onAssignment(assignment, metadata);
  }

  @Override
  public List<RebalanceProtocol> supportedProtocols() {
    return sticky.supportedProtocols();
  }

  @Override
  public short version() {
    return sticky.version();
  }

  @Override
  public String name() {
    return NAME;
  }
}
