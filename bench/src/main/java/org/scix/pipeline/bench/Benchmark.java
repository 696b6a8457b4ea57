package org.scix.pipeline.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scix.pipeline.localstack.KafkaStack;

/**
 * Runs every scenario on one broker and registry and checks the targets of issue "Benchmarks",
 * each figure against its anchor from the same run.
 */
public final class Benchmark {
  private Benchmark() {}

  /** The scenarios, in the order they run; {@code ./pipeline bench --only} takes these names. */
  public static final List<String> SCENARIOS = List.of("submit", "latency", "noop-jobs", "scaling", "fanout", "head-of-line", "fast-lane", "idle",
      "status-view", "retention");

  /** One scenario: it measures and puts its figures into the results. */
  @FunctionalInterface
  interface Scenario {
    void run(BenchContext ctx, Results results) throws Exception;
  }

  public static Results run(KafkaStack stack, BenchConfig config, Path workDir, PrintStream progress) throws Exception {
    return run(stack, config, workDir, progress, Set.copyOf(SCENARIOS));
  }

  /** Runs the {@code chosen} scenarios; the targets whose figures were measured are checked. */
  /**
   * A scenario that fails (a service not ready in time, a broker that falls over) is reported as
   * failed, in the JSON and the table, and the run goes on: one scenario must not lose the others' figures.
   */
  static void runScenario(String name, Scenario scenario, BenchContext ctx, Results results, PrintStream progress) {
    try {
      scenario.run(ctx, results);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      results.failed(name, "interrupted");
    } catch (Exception e) {
      progress.printf("%s: FAILED: %s%n", name, e);
      results.failed(name, e.toString());
    }
  }

  public static Results run(KafkaStack stack, BenchConfig config, Path workDir, PrintStream progress, Set<String> chosen) throws Exception {
    Results results = new Results();
    long begin = System.nanoTime();
    results.info("config", config.name());
    results.info("started", Instant.now().toString());
    results.info("cpus", Runtime.getRuntime().availableProcessors());
    results.info("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    results.info("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    results.info("stack", stack.description());
    try (Services services = new Services(stack, workDir)) {
      BenchContext ctx = new BenchContext(stack, services, config, progress);
      Map<String, Scenario> scenarios = new LinkedHashMap<>();
      scenarios.put("submit", SubmitThroughput::run);
      scenarios.put("latency", JobLatency::run);
      scenarios.put("noop-jobs", NoopJobs::run);
      scenarios.put("scaling", WorkerScaling::run);
      scenarios.put("fanout", StreamFanout::run);
      scenarios.put("head-of-line", HeadOfLine::run);
      scenarios.put("fast-lane", FastLane::run);
      scenarios.put("idle", IdleCost::run);
      scenarios.put("status-view", StatusViewFootprint::run);
      scenarios.put("retention", RetentionSoak::run);
      for (Map.Entry<String, Scenario> scenario : scenarios.entrySet()) {
        if (chosen.contains(scenario.getKey())) {
          runScenario(scenario.getKey(), scenario.getValue(), ctx, results, progress);
        }
        services.close(); // each scenario starts from a clean set of processes
      }
    }
    if (results.has("latency.kafka_txn_p99_ms") && results.has("latency.kafka_e2e_p99_ms")) {
      results.put("latency.kafka_floor_ms", results.get("latency.kafka_txn_p99_ms") + results.get("latency.kafka_e2e_p99_ms"));
    }
    if (results.has("latency.kafka_txn_fast_retry_p99_ms") && results.has("latency.kafka_e2e_p99_ms")) {
      // Context, not a target: the floor again with the retry backoff our own producers use.
      results.put("latency.kafka_fast_retry_floor_ms",
          results.get("latency.kafka_txn_fast_retry_p99_ms") + results.get("latency.kafka_e2e_p99_ms"));
    }
    results.info("duration_s", Duration.ofNanos(System.nanoTime() - begin).toSeconds());

    results.atLeast("Init rate vs gRPC's ceiling", "submit.gateway_rps", "submit.grpc_noop_rps", 0.5, ">= 0.5 x grpc_noop_rps (goal 0.8)");
    results.atMost("gateway CPU per call vs the no-op server's", "submit.gateway_cpu_us_per_call", "submit.noop_cpu_us_per_call", 3.0,
        "<= 3 x noop_cpu_us_per_call");
    results.atMost("submit -> Success p99 vs Kafka's floor", "latency.e2e_p99_ms", "latency.kafka_floor_ms", 3.0,
        "<= 3 x (kafka_txn_p99_ms + kafka_e2e_p99_ms)");
    results.atLeastAbsolute("no-op jobs per CPU-second of the whole stack", "noop_jobs.jobs_per_cpu_s", 2000, ">= 2000");
    results.atMost("whole-stack CPU per no-op job vs Kafka's for its records", "noop_jobs.cpu_us_per_job",
        "noop_jobs.kafka_cpu_us_per_job_records", 4.0, "<= 4 x kafka_cpu_us_per_job_records (kafka_floor_ratio <= 4)");
    results.atLeast("two worker processes vs one", "scaling.two_process_jps", "scaling.one_process_jps", 1.8, ">= 1.8 x one_process_jps");
    results.atLeast("one worker process vs one at a time", "scaling.one_process_jps", "scaling.sequential_jps", 10.0, ">= 10 x sequential_jps");
    results.atMostAbsolute("heap per open stream", "fanout.heap_bytes_per_stream", 4096, "<= 4096 bytes");
    results.atMostAbsolute("status change to client p99", "fanout.notify_p99_ms", 50, "<= 50 ms");
    results.atMost("short job behind a long one vs alone, p99", "head_of_line.behind_p99_ms", "head_of_line.alone_p99_ms", 2.0,
        "<= 2 x alone_p99_ms");
    results.atMost("interactive job behind a bulk batch vs idle, p99", "fast_lane.behind_bulk_p99_ms", "fast_lane.idle_p99_ms", 2.0,
        "<= 2 x idle_p99_ms");
    results.atMostAbsolute("idle gateway CPU", "idle.gateway_cpu_cores", 0.02, "<= 0.02 cores");
    results.atMostAbsolute("idle worker CPU", "idle.worker_cpu_cores", 0.02, "<= 0.02 cores");
    results.atMostAbsolute("heap per job in the status view", "status_view.heap_bytes_per_job", 64, "<= 64 bytes");
    results.atMostAbsolute("restarted gateway to SERVING", "status_view.restart_to_serving_s", 10, "<= 10 s");
    results.atMost("heap after a retention soak vs after two periods", "retention.heap_after_soak_mb", "retention.heap_after_two_periods_mb",
        1.25, "flat: <= 1.25 x heap_after_two_periods_mb");
    return results;
  }
}
