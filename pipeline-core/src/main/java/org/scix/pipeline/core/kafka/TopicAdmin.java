package org.scix.pipeline.core.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the pipeline's topics when they are absent; existing topics are left as they are. */
public final class TopicAdmin {
  private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  public static void ensureTopics(KafkaSettings kafka, TopicSettings topics, Duration timeout) {
    log.info("checking topics on Kafka at {} (waiting up to {} s)", kafka.bootstrapServers(), timeout.toSeconds());
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (NewTopic topic : wanted(topics)) {
        if (!existing.contains(topic.name())) {
          missing.add(topic);
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      for (NewTopic topic : missing) {
        try {
          admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          log.info("created topic {} ({} partitions, config {})", topic.name(), topic.numPartitions(), topic.configs());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e; // another process creating it at the same time is fine
          }
        }
      }
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList(), timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create the pipeline's topics on " + kafka.bootstrapServers() + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka at " + kafka.bootstrapServers() + " did not answer within " + timeout
          + " while checking topics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /** The id Kafka gave {@code topic} (a topic deleted and created again gets a new one). */
  public static String topicId(KafkaSettings kafka, String topic, Duration timeout) {
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic).topicId()
          .toString();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe topic " + topic + " on " + kafka.bootstrapServers() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topic " + topic, e);
    }
  }

  /**
   * Waits until every partition of freshly created topics has a leader: producing into a topic
   * the broker has not opened yet earns NOT_LEADER_OR_FOLLOWER on the first batches, which an
   * idempotent producer then has to untangle (out-of-order sequences).
   */
  private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        boolean allLed = admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).values().stream()
            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (allLed) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        // not in this broker's metadata yet
      }
      Thread.sleep(50);
    }
    log.warn("topics {} still have partitions without a leader after {}", names, timeout);
  }

  static List<NewTopic> wanted(TopicSettings t) {
    return List.of(
        new NewTopic(t.input(), t.partitions(), t.replicationFactor()),
        // Bulk jobs (batches, schedules) apart from interactive ones, so a burst of them never queues ahead of a caller's job.
        new NewTopic(t.bulkInput(), t.partitions(), t.replicationFactor()),
        // Compacted and keyed by job id: the latest status of every job until the gateways tombstone it
        // (JOB_RETENTION after it ended). Segments roll hourly so compaction can reach the tombstones.
        new NewTopic(t.status(), t.partitions(), t.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000",
            TopicConfig.SEGMENT_MS_CONFIG, Long.toString(t.statusSegment().toMillis()))),
        new NewTopic(t.output(), t.partitions(), t.replicationFactor()),
        new NewTopic(t.deadLetter(), t.partitions(), t.replicationFactor()),
        // Delayed jobs until they are due, keyed by job id: each is tombstoned when handed to the workers or cancelled.
        new NewTopic(t.delayed(), t.partitions(), t.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
        // What workers must know before they start a job (cancelled batches, paused tasks), keyed by what it is about; small, read whole.
        new NewTopic(t.control(), 1, t.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
        // Jobs of paused tasks until they are resumed: a run of partitions per task (ParkedJobs), kept
        // however long a task stays paused (consumed offsets, not time, say what is done).
        new NewTopic(t.parked(), ParkedJobs.partitionCount(t.partitions()), t.replicationFactor()).configs(Map.of(
            TopicConfig.RETENTION_MS_CONFIG, "-1")),
        // What operators did, one entry a record, read newest first; kept 90 days.
        new NewTopic(t.audit(), 1, t.replicationFactor()).configs(Map.of(
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(java.time.Duration.ofDays(90).toMillis()))),
        // Schedules and when each last ticked, keyed by name (and name + "/state"). A schedule's
        // ticks count from its record's timestamp: the broker's clock, not the API replica's.
        new NewTopic(t.schedules(), t.partitions(), t.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")));
  }

  /** How many partitions {@code topic} has. */
  public static int partitionCount(KafkaSettings kafka, String topic, Duration timeout) {
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic)
          .partitions().size();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe topic " + topic + " on " + kafka.bootstrapServers() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topic " + topic, e);
    }
  }
}
