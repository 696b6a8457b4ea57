package org.scix.pipeline.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * fast_lane.*: an interactive job's submit to Success p99 while a bulk batch runs, next to the same
 * jobs on an idle system. The batch (no-op jobs, one per day of a split range) is committed first
 * and its first jobs have succeeded before the interactive jobs are offered, so each is submitted
 * with the rest of the batch queued ahead of it on the bulk topic; workers take interactive jobs first. The figure counts only if the batch was still
 * running when the last interactive job ended ({@code fast_lane.bulk_left_when_done} above zero).
 */
final class FastLane {
  private FastLane() {}

  /**
   * Where an interactive job's time went, from its status events (p99 over the interactive jobs
   * submitted while the batch ran): waiting for a task thread (submitted to started), and from
   * start to its terminal event being cut for a commit (run, then waiting for the commit thread).
   * The rest of the caller's latency is the commit and the gateway reading it back.
   */
  private static void stages(BenchContext ctx, TopicSettings topics, Results results) {
    ConfluentAvroDeserializer<JobStatus> values = new PipelineSerdes(ctx.kafka()).deserializer(JobStatus.class);
    Histogram toStart = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    Histogram toEndEvent = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    long batchCommitted = Long.MAX_VALUE;
    List<JobStatus> interactive = new java.util.ArrayList<>();
    try (TopicReader reader = TopicReader.open(ctx.kafka(), "bench-fast-lane-stages")) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.status())) {
        JobStatus event = values.deserialize(record.topic(), record.value());
        if (event.getBatchId() != null && event.getStatus() == JobState.Pending) {
          batchCommitted = Math.min(batchCommitted, event.getTime().toEpochMilli());
        } else if (event.getBatchId() == null && JobStates.isTerminal(event.getStatus()) && event.getStartedTime() != null) {
          interactive.add(event);
        }
      }
    }
    for (JobStatus end : interactive) {
      if (end.getSubmittedTime().toEpochMilli() >= batchCommitted) {
        toStart.recordValue(1000 * Math.max(1, end.getStartedTime().toEpochMilli() - end.getSubmittedTime().toEpochMilli()));
        toEndEvent.recordValue(1000 * Math.max(1, end.getTime().toEpochMilli() - end.getStartedTime().toEpochMilli()));
      }
    }
    results.info("fast_lane.behind_bulk_submit_to_start_p50_ms", toStart.getValueAtPercentile(50) / 1000.0);
    results.info("fast_lane.behind_bulk_submit_to_start_p99_ms", toStart.getValueAtPercentile(99) / 1000.0);
    results.info("fast_lane.behind_bulk_start_to_end_event_p99_ms", toEndEvent.getValueAtPercentile(99) / 1000.0);
  }

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    TopicSettings topics = ctx.topics("bench-lane");
    Map<String, String> env = new HashMap<>(Services.topics("bench-lane", BenchContext.PARTITIONS));
    env.put(TaskSettings.SIMULATE_ALL_MS, "0");
    Services.Service gateway = ctx.services().gateway("bench-lane-gw", env, "1g");
    ctx.services().worker("bench-lane-w", env);
    int jobs = c.fastLaneJobs();
    int rate = Math.max(5, jobs / 10);
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
      // Measured while the batch runs: from when its first jobs have succeeded (the moment of the
      // batch's own commit, when every replica reads its 2 x N records at once, is not "running").
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (client.batchStatus(batch.getBatchId()).getSuccess() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Histogram behind = JobLatency.measure(gateway.grpcPort(), rate, jobs);
      BatchSummary after = client.batchStatus(batch.getBatchId());
      long left = after.getPending() + after.getProcessing();
      stages(ctx, topics, results);
      ctx.say("fast lane: %d of the batch's %d jobs still to run when the last interactive job ended", left, batch.getTotal());
      results.put("fast_lane.idle_p99_ms", idle.getValueAtPercentile(99) / 1000.0);
      results.put("fast_lane.behind_bulk_p99_ms", behind.getValueAtPercentile(99) / 1000.0);
      results.info("fast_lane.idle_p50_ms", idle.getValueAtPercentile(50) / 1000.0);
      results.info("fast_lane.behind_bulk_p50_ms", behind.getValueAtPercentile(50) / 1000.0);
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
