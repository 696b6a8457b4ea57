package org.scix.pipeline.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.scix.pipeline.localstack.KafkaStack;

/**
 * Runs every scenario on one broker and registry and checks the targets of issue "Benchmarks",
 * each figure against its anchor from the same run.
 */
public final class Benchmark {
  private Benchmark() {}

  public static Results run(KafkaStack stack, BenchConfig config, Path workDir, PrintStream progress) throws Exception {
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
      SubmitThroughput.run(ctx, results);
      JobLatency.run(ctx, results);
      services.close();
      WorkerScaling.run(ctx, results);
      StreamFanout.run(ctx, results);
      services.close();
      StatusViewFootprint.run(ctx, results);
    }
    results.info("duration_s", Duration.ofNanos(System.nanoTime() - begin).toSeconds());

    results.atLeast("Init rate vs gRPC's ceiling", "submit.gateway_rps", "submit.grpc_noop_rps", 0.8, ">= 0.8 x grpc_noop_rps");
    results.atMost("submit -> Success p99 vs Kafka one hop", "latency.e2e_p99_ms", "latency.kafka_e2e_p99_ms", 6.0, "<= 3 x (2 x kafka_e2e_p99_ms)");
    results.atLeast("two worker processes vs one", "scaling.two_process_jps", "scaling.one_process_jps", 1.8, ">= 1.8 x one_process_jps");
    results.atLeast("one worker process vs one at a time", "scaling.one_process_jps", "scaling.sequential_jps", 10.0, ">= 10 x sequential_jps");
    results.atMostAbsolute("heap per open stream", "fanout.heap_bytes_per_stream", 4096, "<= 4096 bytes");
    results.atMostAbsolute("status change to client p99", "fanout.notify_p99_ms", 50, "<= 50 ms");
    results.atMostAbsolute("heap per job in the status view", "status_view.heap_bytes_per_job", 300, "<= 300 bytes");
    results.atMostAbsolute("status view catch-up", "status_view.catch_up_s", 20, "<= 20 s");
    return results;
  }
}
