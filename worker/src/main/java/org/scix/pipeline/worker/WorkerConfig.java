package org.scix.pipeline.worker;

import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.util.HostNames;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * Everything a worker reads at start, validated there: the loop's settings and the tasks', each
 * owned (keys, defaults, checks) by its record. Every key is listed in docs/configuration.md.
 *
 * @param instanceId stable per worker; names its transactional producer so a restart fences its predecessor
 * @param opsPort metrics and health probes (0: off)
 */
public record WorkerConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    String groupId,
    String instanceId,
    LoopSettings loop,
    TaskSettings tasks,
    int opsPort) {

  public static final String GROUP_ID = "WORKER_GROUP_ID";
  public static final String INSTANCE_ID = "WORKER_INSTANCE_ID";
  public static final String OPS_PORT = "WORKER_OPS_PORT";

  public static WorkerConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String instanceId = s.string(INSTANCE_ID, HostNames.local("worker") + "-" + ProcessHandle.current().pid());
    TaskSettings tasks = TaskSettings.from(s);
    return new WorkerConfig(
        kafka,
        TopicSettings.from(s),
        s.string(GROUP_ID, "scix-pipeline-workers"),
        instanceId,
        LoopSettings.from(s, "worker-" + instanceId, maxPollInterval(kafka), tasks.deadlines(), tasks.heartbeatTimeouts()),
        tasks,
        s.integer(OPS_PORT, 0, 0, 65535));
  }

  /** The consumer's max.poll.interval.ms: as passed through (KAFKA_CLIENT_MAX_POLL_INTERVAL_MS), else Kafka's 5 minutes. */
  private static Duration maxPollInterval(KafkaSettings kafka) {
    Object configured = kafka.clientConfig().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    return Duration.ofMillis(configured == null ? 300_000 : Long.parseLong(configured.toString()));
  }
}
