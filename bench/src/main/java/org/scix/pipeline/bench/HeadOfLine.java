package org.scix.pipeline.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.HashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.SimulatedTask;

/**
 * head_of_line.*: short jobs (no-op) on a one-partition topic, submit to Success p99, once alone and
 * once queued behind a long job on the same partition that is still running. A worker that commits
 * a partition only up to its oldest unfinished job would hold every short job's Success back until
 * the long one ends; ours commits finished jobs past it (done offsets in the commit metadata).
 * Measured from each short job's scheduled submit: its own run time is close to zero.
 */
final class HeadOfLine {
  private HeadOfLine() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    ctx.topics("bench-hol", 1);
    Map<String, String> env = new HashMap<>(Services.topics("bench-hol", 1));
    env.put("TASK_SYMBOL1", SimulatedTask.NAME);
    env.put(SimulatedTask.MS_SETTING, "0");
    env.put("TASK_SYMBOL2", SimulatedTask.LONG_NAME);
    env.put(SimulatedTask.LONG_MS_SETTING, Long.toString(c.headOfLineLongJob().toMillis()));
    Services.Service gateway = ctx.services().gateway("bench-hol-gw", env, "512m");
    ctx.services().worker("bench-hol-w", env);
    int jobs = c.headOfLineJobs();
    int rate = Math.max(1, (int) (jobs / (c.headOfLineLongJob().toSeconds() / 2.0)));
    ctx.say("head of line: %d short jobs at %d/s alone, then behind a %d s job", jobs, rate, c.headOfLineLongJob().toSeconds());
    JobLatency.measure(gateway.grpcPort(), rate, Math.max(10, jobs / 4)); // warm-up
    Histogram alone = JobLatency.measure(gateway.grpcPort(), rate, jobs);

    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    try {
      new PipelineClient(channel, 30).submit(new JobRequest(taskenum.SYMBOL2, null, null, "2024-01-01"), null);
      Thread.sleep(500); // it has started and holds the partition's oldest offset
      Histogram behind = JobLatency.measure(gateway.grpcPort(), rate, jobs);
      results.put("head_of_line.alone_p99_ms", alone.getValueAtPercentile(99) / 1000.0);
      results.put("head_of_line.behind_p99_ms", behind.getValueAtPercentile(99) / 1000.0);
    } finally {
      channel.shutdownNow();
    }
  }
}
