package org.scix.pipeline.gateway.lookup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;

/** The worker consumer group as the overview shows it: each live worker, its partitions of both input topics and their lag. */
public final class KafkaWorkerGroup implements WorkerGroup, AutoCloseable {
  private final Admin admin;
  private final String group;
  private final TopicSettings topics;

  public KafkaWorkerGroup(KafkaSettings kafka, String group, TopicSettings topics) {
    this.admin = Admin.create(kafka.clientConfig());
    this.group = group;
    this.topics = topics;
  }

  @Override
  public List<Map<String, Object>> describe() {
    List<Map<String, Object>> workers = new ArrayList<>();
    try {
      ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get(3, TimeUnit.SECONDS).get(group);
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(3, TimeUnit.SECONDS);
      Set<TopicPartition> partitions = description.members().stream().flatMap(m -> m.assignment().topicPartitions().stream())
          .filter(p -> topics.inputs().contains(p.topic())).collect(Collectors.toSet());
      Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(partitions.stream()
          .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get(3, TimeUnit.SECONDS);
      for (MemberDescription member : description.members()) {
        Map<String, Object> worker = new LinkedHashMap<>();
        worker.put("member", member.consumerId());
        worker.put("client", member.clientId());
        worker.put("host", member.host());
        List<Map<String, Object>> held = new ArrayList<>();
        member.assignment().topicPartitions().stream().filter(partitions::contains)
            .sorted(Comparator.comparing(TopicPartition::topic).reversed().thenComparingInt(TopicPartition::partition))
            .forEach(p -> {
              long end = ends.containsKey(p) ? ends.get(p).offset() : 0;
              long at = committed.containsKey(p) && committed.get(p) != null ? committed.get(p).offset() : 0;
              held.add(Map.of("partition", p.partition(), "priority", topics.priorityOf(p.topic()).wireName(), "lag", Math.max(0, end - at)));
            });
        worker.put("partitions", held);
        workers.add(worker);
      }
    } catch (Exception e) {
      workers.add(Map.of("error", "worker group " + group + " could not be described: " + e.getMessage()));
    }
    return workers;
  }

  @Override
  public void close() {
    admin.close();
  }
}
