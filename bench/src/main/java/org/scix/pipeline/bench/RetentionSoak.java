package org.scix.pipeline.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * retention.*: jobs flow onto the status topic (Pending, then Success) at a steady rate for several
 * periods of a short JOB_RETENTION while a gateway holds them. Its live heap, the jobs it holds and
 * the status topic's size on disk are sampled after two periods and at the end: bounded state
 * means the end looks like the two-period sample, not twice it.
 */
final class RetentionSoak {
  private RetentionSoak() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig config = ctx.config();
    Duration retention = config.soakRetention();
    int rate = config.soakJobsPerSecond();
    int periods = 6;
    var topics = ctx.topics("bench-retention");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.stack().bootstrapServers()))) {
      // Compaction as eager as the broker allows, so a few minutes show what months would.
      ConfigResource status = new ConfigResource(ConfigResource.Type.TOPIC, topics.status());
      admin.incrementalAlterConfigs(Map.of(status, List.of(
          set(TopicConfig.SEGMENT_MS_CONFIG, "2000"),
          set(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0"),
          set(TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(retention.toMillis())),
          set(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01")))).all().get();

      Map<String, String> env = new HashMap<>(Services.topics("bench-retention", BenchContext.PARTITIONS));
      env.put(StatusViewSettings.RETENTION, Long.toString(retention.toMillis()));
      env.put(ApiSettings.IDEMPOTENCY_WINDOW, Long.toString(retention.toMillis() / 2));
      Services.Service gateway = ctx.services().gateway("bench-retention-gw", env, "512m");
      ctx.say("retention soak: %d jobs/s for %d periods of %d s", rate, periods, retention.toSeconds());
      long sent = 0;
      List<double[]> samples = new ArrayList<>(); // heap MB, jobs held, topic MB
      try (Producer<String, Object> producer = Topics.producer(ctx)) {
        long begin = System.nanoTime();
        for (int period = 1; period <= periods; period++) {
          long periodEnd = begin + retention.multipliedBy(period).toNanos();
          while (System.nanoTime() < periodEnd) {
            long expected = (long) ((System.nanoTime() - begin) / 1e9 * rate);
            for (; sent < expected; sent++) {
              String id = JobIds.random();
              Instant now = Instant.now();
              producer.send(new ProducerRecord<>(topics.status(), id, event(id, JobState.Pending, now)));
              producer.send(new ProducerRecord<>(topics.status(), id, event(id, JobState.Success, now)));
            }
            Thread.sleep(5);
          }
          if (period == 2 || period == periods) {
            producer.flush();
            samples.add(new double[] {Heap.liveBytes(ctx.services(), gateway) / 1e6,
                ctx.services().metric(gateway, "pipeline_status_view_jobs"), topicBytes(admin, topics.status()) / 1e6});
            ctx.say("retention soak: after %d periods: heap %.1f MB, %d jobs held, topic %.1f MB", period, samples.get(samples.size() - 1)[0],
                (long) samples.get(samples.size() - 1)[1], samples.get(samples.size() - 1)[2]);
          }
        }
      }
      double tombstones = ctx.services().metric(gateway, "pipeline_status_view_tombstones_sent_total");
      ctx.services().stop(gateway);
      results.put("retention.jobs_sent", sent);
      results.put("retention.tombstones_sent", tombstones);
      results.put("retention.heap_after_two_periods_mb", samples.get(0)[0]);
      results.put("retention.heap_after_soak_mb", samples.get(1)[0]);
      results.put("retention.jobs_held_after_two_periods", samples.get(0)[1]);
      results.put("retention.jobs_held_after_soak", samples.get(1)[1]);
      results.put("retention.topic_mb_after_two_periods", samples.get(0)[2]);
      results.put("retention.topic_mb_after_soak", samples.get(1)[2]);
    }
  }

  private static JobStatus event(String id, JobState state, Instant now) {
    return JobStatus.newBuilder().setJobId(id).setStatus(state).setTask("SYMBOL1").setTime(now).setAttempt(state == JobState.Pending ? 0 : 1)
        .setWorker("bench").setSubmittedTime(now).build();
  }

  private static AlterConfigOp set(String name, String value) {
    return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
  }

  /** The topic's bytes on the brokers' disks (every replica). */
  private static long topicBytes(Admin admin, String topic) throws Exception {
    List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
    long bytes = 0;
    for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
      for (LogDirDescription dir : dirs.values()) {
        bytes += dir.replicaInfos().entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
            .mapToLong(e -> e.getValue().size()).sum();
      }
    }
    return bytes;
  }
}
