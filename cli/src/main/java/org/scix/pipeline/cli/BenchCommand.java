package org.scix.pipeline.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.scix.pipeline.bench.BenchConfig;
import org.scix.pipeline.bench.Benchmark;
import org.scix.pipeline.bench.Results;
import org.scix.pipeline.localstack.BrokerJvm;
import org.scix.pipeline.localstack.LocalStack;
import org.scix.pipeline.localstack.Ports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure the gateway and workers next to gRPC's and Kafka's own figures on a fresh local stack.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "Smaller loads, under 3 minutes.")
  boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  @Option(names = "--dir", paramLabel = "DIR", description = "Where logs go (default .pipeline/bench-<time>).")
  Path dir;

  @Option(names = "--only", split = ",", paramLabel = "SCENARIO",
      description = "Run only these scenarios: submit, latency, noop-jobs, scaling, fanout, head-of-line, fast-lane, idle, status-view, retention (default all).")
  Set<String> only;

  @Option(names = "--status-view-jobs", paramLabel = "N",
      description = "Status events the status-view scenario writes and loads (default 10,000,000; 1,000,000 with --quick).")
  Integer statusViewJobs;

  @Override
  public Integer call() throws Exception {
    Set<String> scenarios = only == null ? Set.copyOf(Benchmark.SCENARIOS) : only;
    if (statusViewJobs != null && statusViewJobs < 1) {
      System.err.println("error: --status-view-jobs must be at least 1, got " + statusViewJobs);
      return 2;
    }
    if (!Benchmark.SCENARIOS.containsAll(scenarios)) {
      System.err.println("error: unknown scenario in " + scenarios + "; choose from " + Benchmark.SCENARIOS);
      return 2;
    }
    Path runDir = (dir != null ? dir : Path.of(".pipeline", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
        .toAbsolutePath();
    Files.createDirectories(runDir);
    System.out.println("bench (" + (quick ? "quick" : "full") + "), logs in " + runDir);
    // The broker runs as kafka-server-start would run it (G1, C2, a 1 GB heap): its latency tail is
    // part of every anchor, so it must be the broker users run, not the quick-start one tests use.
    try (LocalStack stack = LocalStack.start(runDir.resolve("stack"), 1, Ports.free(), Ports.free(), BrokerJvm.AS_KAFKA_SHIPS_IT)) {
      BenchConfig config = quick ? BenchConfig.quick() : BenchConfig.full();
      if (statusViewJobs != null) {
        config = config.withStatusViewJobs(statusViewJobs);
      }
      Results results = Benchmark.run(stack, config, runDir, System.out, scenarios);
      results.info("broker_jvm_options", String.join(" ", BrokerJvm.AS_KAFKA_SHIPS_IT.options()));
      System.out.println();
      System.out.println(results.markdown());
      if (json != null) {
        results.writeJson(json);
        System.out.println("wrote " + json.toAbsolutePath());
      }
      if (!results.failedScenarios().isEmpty()) {
        System.err.println("scenarios that did not finish (their logs are in " + runDir + "): " + results.failedScenarios().keySet());
        return 1;
      }
      return 0;
    }
  }
}
