package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * scaling.*: jobs/s with a 20 ms simulated I/O-bound task on 16 partitions: one job at a time
 * (one process, concurrency 1), one worker process, two worker processes. Workers join the group
 * first; then the jobs are written at once and the rate is taken between the first and the last
 * Success, so JVM start-up and group joins are not in the figure.
 */
final class WorkerScaling {
  static final int TASK_MS = 20;

  private WorkerScaling() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    results.put("scaling.sequential_jps", phase(ctx, "sequential", 1, 1, c.sequentialJobs()));
    results.put("scaling.one_process_jps", phase(ctx, "one", 1, 16, c.oneProcessJobs()));
    results.put("scaling.two_process_jps", phase(ctx, "two", 2, 16, c.twoProcessJobs()));
    results.put("scaling.task_ms", TASK_MS);
  }

  private static double phase(BenchContext ctx, String name, int processes, int concurrency, int jobs) throws Exception {
    String prefix = "bench-scale-" + name;
    TopicSettings topics = ctx.topics(prefix);
    Map<String, String> env = new HashMap<>(Services.topics(prefix, BenchContext.PARTITIONS));
    env.put(TaskSettings.SIMULATE_ALL_MS, Integer.toString(TASK_MS));
    env.put(LoopSettings.CONCURRENCY, Integer.toString(concurrency));
    env.put(WorkerConfig.GROUP_ID, prefix + "-workers");
    List<Services.Service> workers = new ArrayList<>();
    for (int i = 1; i <= processes; i++) {
      workers.add(ctx.services().worker(prefix + "-w" + i, env));
    }
    awaitAssigned(ctx, prefix + "-workers", processes);
    ctx.say("scaling: %s (%d process(es), concurrency %d), %d jobs of %d ms", name, processes, concurrency, jobs, TASK_MS);
    Topics.writeJobs(ctx, topics.input(), jobs);
    Map<String, Long> successes = Topics.awaitSuccesses(ctx, topics.status(), jobs, Duration.ofMinutes(10));
    workers.forEach(ctx.services()::stop);
    Collection<Long> times = successes.values();
    long first = times.stream().mapToLong(Long::longValue).min().orElseThrow();
    long last = times.stream().mapToLong(Long::longValue).max().orElseThrow();
    return (jobs - 1) / Math.max(0.001, (last - first) / 1000.0);
  }

  /** Waits until every worker process of the group holds partitions, so no rebalance falls into the measurement. */
  static void awaitAssigned(BenchContext ctx, String group, int processes) throws Exception {
    awaitAssigned(ctx, group, processes, BenchContext.PARTITIONS);
  }

  /** The same, for topics of {@code partitions} partitions each. */
  static void awaitAssigned(BenchContext ctx, String group, int processes, int partitions) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", ctx.stack().bootstrapServers()))) {
      while (System.nanoTime() < deadline) {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        long withPartitions = description.members().stream().map(MemberDescription::assignment)
            .filter(a -> !a.topicPartitions().isEmpty()).count();
        int assigned = description.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
        // both input topics and the parked one
        if (withPartitions == processes && assigned == 2 * partitions + ParkedJobs.partitionCount(partitions)) {
          return;
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("workers of " + group + " did not all get partitions");
  }
}
