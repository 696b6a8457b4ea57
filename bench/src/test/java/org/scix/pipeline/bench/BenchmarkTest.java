package org.scix.pipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scenario that fails is reported as failed, in the JSON and the table, and the figures of the others stand. */
class BenchmarkTest {
  @Test
  void aFailedScenarioIsReportedAndTheOthersFiguresStand(@TempDir Path dir) throws Exception {
    Results results = new Results();
    PrintStream progress = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    Benchmark.runScenario("status-view", (ctx, r) -> {
      throw new IllegalStateException("not ready in PT3M");
    }, null, results, progress);
    Benchmark.runScenario("idle", (ctx, r) -> r.put("idle.gateway_cpu_cores", 0.01), null, results, progress);

    assertThat(results.failedScenarios()).containsOnlyKeys("status-view");
    assertThat(results.get("idle.gateway_cpu_cores")).isEqualTo(0.01);
    Path json = dir.resolve("bench.json");
    results.writeJson(json);
    var root = new ObjectMapper().readTree(Files.readString(json));
    assertThat(root.at("/failed_scenarios/status-view").asText()).contains("not ready in PT3M");
    assertThat(root.at("/idle/gateway_cpu_cores").asDouble()).isEqualTo(0.01);
    assertThat(results.markdown()).contains("| scenario status-view | **failed**");
  }
}
