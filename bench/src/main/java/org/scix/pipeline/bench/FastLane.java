package org.scix.pipeline.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * fast_lane.*: an interactive job's submit to Success p99 while a bulk batch runs, next to the same
 * jobs on an idle system. The batch (no-op jobs, one per day of a split range) is committed first,
 * so every interactive job is submitted with the whole remaining batch queued ahead of it on the
 * bulk topic; workers take interactive jobs first. The figure counts only if the batch was still
 * running when the last interactive job ended ({@code fast_lane.bulk_left_when_done} above zero).
 */
final class FastLane {
  private FastLane() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    ctx.topics("bench-lane");
    Map<String, String> env = new HashMap<>(Services.topics("bench-lane", BenchContext.PARTITIONS));
    env.put(TaskSettings.SIMULATE_ALL_MS, "0");
    Services.Service gateway = ctx.services().gateway("bench-lane-gw", env, "1g");
    ctx.services().worker("bench-lane-w", env);
    int jobs = c.fastLaneJobs();
    int rate = Math.max(2, jobs / 10);
    ctx.say("fast lane: %d interactive jobs at %d/s alone, then behind a %d-job bulk batch", jobs, rate, c.fastLaneBulkJobs());
    JobLatency.measure(gateway.grpcPort(), rate, Math.max(10, jobs / 4)); // warm-up
    Histogram idle = JobLatency.measure(gateway.grpcPort(), rate, jobs);

    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    try {
      PipelineClient client = new PipelineClient(channel, 300);
      LocalDate from = LocalDate.of(1900, 1, 1);
      BatchSummary batch = client.submitBatch(BatchRequest.newBuilder().setTask("SYMBOL1").setIngest(null).setIngestType(null)
          .setPriority(null).setSplit(new SplitRange(from.toString(), from.plusDays(c.fastLaneBulkJobs() - 1L).toString(), 1))
          .setDateranges(List.of()).build(), List.<List<String>>of().iterator());
      Histogram behind = JobLatency.measure(gateway.grpcPort(), rate, jobs);
      BatchSummary after = client.batchStatus(batch.getBatchId());
      long left = after.getPending() + after.getProcessing();
      ctx.say("fast lane: %d of the batch's %d jobs still to run when the last interactive job ended", left, batch.getTotal());
      results.put("fast_lane.idle_p99_ms", idle.getValueAtPercentile(99) / 1000.0);
      results.put("fast_lane.behind_bulk_p99_ms", behind.getValueAtPercentile(99) / 1000.0);
      results.info("fast_lane.bulk_jobs", batch.getTotal());
      results.info("fast_lane.bulk_left_when_done", left);
      if (left == 0) {
        throw new IllegalStateException("the bulk batch finished before the interactive jobs did: the figure would measure an idle "
            + "system; raise the batch size");
      }
    } finally {
      channel.shutdownNow();
    }
  }
}
