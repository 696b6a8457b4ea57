package org.scix.pipeline.bench;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * status_view.*: a gateway's heap per job held in its status view, with N jobs on the status
 * topic (live heap after a full GC, minus the same gateway's live heap over an empty topic), and
 * the time it takes to read them all at start.
 */
final class StatusViewFootprint {
  private StatusViewFootprint() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    int jobs = ctx.config().statusViewJobs();
    ctx.topics("bench-view-empty");
    Services.Service empty = ctx.services().gateway("bench-view-empty-gw", Services.topics("bench-view-empty", BenchContext.PARTITIONS), "1g");
    long emptyHeap = Heap.liveBytes(ctx.services(), empty);
    ctx.services().stop(empty);

    var topics = ctx.topics("bench-view");
    ctx.say("status view: writing %d status events", jobs);
    JobState[] states = {JobState.Success, JobState.Success, JobState.Error, JobState.Processing, JobState.Pending};
    Instant now = Instant.now();
    Topics.sendAll(ctx, jobs, i -> {
      String id = JobIds.random();
      return new ProducerRecord<>(topics.status(), id, JobStatus.newBuilder().setJobId(id).setStatus(states[i % states.length])
          .setTask("SYMBOL1").setTime(now).setAttempt(1).setWorker("bench").build());
    });
    ctx.say("status view: starting a gateway over them");
    Map<String, String> env = new HashMap<>(Services.topics("bench-view", BenchContext.PARTITIONS));
    Services.Service gateway = ctx.services().gateway("bench-view-gw", env, "1g");
    double held = ctx.services().metric(gateway, "pipeline_status_view_jobs");
    double catchUp = ctx.services().metric(gateway, "pipeline_status_view_catch_up_seconds");
    long fullHeap = Heap.liveBytes(ctx.services(), gateway);
    ctx.services().stop(gateway);
    if (held != jobs) {
      throw new IllegalStateException("the view holds " + held + " jobs, expected " + jobs);
    }
    results.put("status_view.jobs", jobs);
    results.put("status_view.heap_bytes_per_job", (fullHeap - emptyHeap) / (double) jobs);
    results.put("status_view.catch_up_s", catchUp);
  }
}
