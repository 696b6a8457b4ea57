package org.scix.pipeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * status_view.*: with N jobs on the status topic, a gateway's Java heap per job held (live heap
 * after a full GC, minus the same gateway's over an empty topic), the time it takes to read them
 * all into a new store, its store's disk bytes per job, and the time a restarted gateway (same
 * instance id, same STATUS_STORE_DIR) takes from process start to SERVING.
 */
final class StatusViewFootprint {
  /** The slowest first load the scenario waits for, in events per second. */
  private static final int MIN_LOAD_RATE = 10_000;

  private StatusViewFootprint() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    int jobs = ctx.config().statusViewJobs();
    ctx.topics("bench-view-empty");
    Services.Service empty = ctx.services().gateway("bench-view-empty-gw", Services.topics("bench-view-empty", BenchContext.PARTITIONS), "1g");
    long emptyHeap = Heap.liveBytes(ctx.services(), empty);
    ctx.services().stop(empty);

    TopicSettings topics = ctx.topics("bench-view");
    ctx.say("status view: writing %d status events", jobs);
    JobState[] states = {JobState.Success, JobState.Success, JobState.Error, JobState.Processing, JobState.Pending};
    Instant now = Instant.now();
    Topics.sendAll(ctx, jobs, i -> {
      String id = JobIds.random();
      return new ProducerRecord<>(topics.status(), id, JobStatus.newBuilder().setJobId(id).setStatus(states[i % states.length])
          .setTask("SYMBOL1").setTime(now).setAttempt(1).setWorker("bench").setSubmittedTime(now).build());
    });
    Path storeDir = Files.createTempDirectory("bench-status-store-");
    try {
      measure(ctx, results, jobs, emptyHeap, topics, storeDir);
    } finally {
      deleteTree(storeDir); // gigabytes at 100 million jobs
    }
  }

  private static void measure(BenchContext ctx, Results results, int jobs, long emptyHeap, TopicSettings topics, Path storeDir)
      throws Exception {
    Map<String, String> env = new HashMap<>(Services.topics("bench-view", BenchContext.PARTITIONS));
    env.put(StatusViewSettings.STORE_DIR, storeDir.toString());
    // The first load reads every event: allow for a slow machine (a floor of 10,000 events/s), not a fixed few minutes.
    Duration firstLoad = Duration.ofMinutes(3).plusSeconds(jobs / MIN_LOAD_RATE);
    ctx.say("status view: starting a gateway over them (new store; ready within %d s)", firstLoad.toSeconds());
    Services.Service gateway = ctx.services().gateway("bench-view-gw", Ports.free(), env, "1g", firstLoad);
    double held = ctx.services().metric(gateway, "pipeline_status_view_jobs");
    double catchUp = ctx.services().metric(gateway, "pipeline_status_view_catch_up_seconds");
    long fullHeap = Heap.liveBytes(ctx.services(), gateway);
    ctx.services().stop(gateway);
    if (held != jobs) {
      throw new IllegalStateException("the view holds " + held + " jobs, expected " + jobs);
    }
    long storeBytes = sizeOf(storeDir);

    ctx.say("status view: restarting it over its store");
    long start = System.nanoTime();
    Services.Service restarted = ctx.services().gateway("bench-view-gw", env, "1g");
    double restartSeconds = (System.nanoTime() - start) / 1e9;
    double heldAfterRestart = ctx.services().metric(restarted, "pipeline_status_view_jobs");
    double eventsRead = ctx.services().metric(restarted, "pipeline_status_view_events_read_total");
    double[] pageMs = listJobsPageMs(ctx, restarted);
    ctx.services().stop(restarted);
    if (heldAfterRestart != jobs) {
      throw new IllegalStateException("the restarted view holds " + heldAfterRestart + " jobs, expected " + jobs);
    }
    results.put("status_view.jobs", jobs);
    results.put("status_view.heap_bytes_per_job", (fullHeap - emptyHeap) / (double) jobs);
    results.put("status_view.catch_up_s", catchUp);
    results.put("status_view.first_load_events_per_s", catchUp > 0 ? jobs / catchUp : Double.NaN);
    results.put("status_view.store_disk_bytes_per_job", storeBytes / (double) jobs);
    results.put("status_view.restart_to_serving_s", restartSeconds);
    results.put("status_view.restart_events_read", eventsRead);
    results.put("status_view.list_page_ms", pageMs[0]);
    results.put("status_view.list_page_filtered_ms", pageMs[1]);
  }

  /**
   * ListJobs over the restarted view (GET /jobs on the ops port, 100 jobs a page): the median time
   * of up to 20 newest-first pages, each following the previous page's cursor, and of up to 20
   * pages filtered by state (Error, one event in five) the same way.
   */
  private static double[] listJobsPageMs(BenchContext ctx, Services.Service gateway) throws Exception {
    return new double[] {medianPageMs(ctx, gateway, "/jobs?limit=100"), medianPageMs(ctx, gateway, "/jobs?limit=100&status=Error")};
  }

  private static double medianPageMs(BenchContext ctx, Services.Service gateway, String first) throws Exception {
    List<Double> times = new ArrayList<>();
    String path = first;
    while (times.size() < 20) {
      long start = System.nanoTime();
      JsonNode page = Json.MAPPER.readTree(ctx.services().get(gateway, path));
      long took = System.nanoTime() - start;
      if (page.path("jobs").isEmpty()) {
        if (times.isEmpty()) {
          throw new IllegalStateException("the first ListJobs page is empty: " + path);
        }
        break; // a full last page still names a cursor; the page after it is empty
      }
      times.add(took / 1e6);
      if (!page.hasNonNull("next_cursor")) {
        break;
      }
      path = first + "&cursor=" + URLEncoder.encode(page.path("next_cursor").asText(), StandardCharsets.UTF_8);
    }
    Collections.sort(times);
    return times.get(times.size() / 2);
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  static long sizeOf(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
