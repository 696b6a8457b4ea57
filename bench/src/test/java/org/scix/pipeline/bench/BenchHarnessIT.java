package org.scix.pipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;

/**
 * The harness itself, on a tiny load: every scenario runs end to end and the JSON carries every
 * figure. It asserts nothing about the numbers (this machine is shared and noisy); docs/benchmarks.md
 * holds real runs.
 */
@ExtendWith(KafkaStackExtension.class)
class BenchHarnessIT {
  private static final List<String> KEYS = List.of(
      "submit.gateway_rps", "submit.grpc_noop_rps", "submit.kafka_producer_rps",
      "latency.e2e_p50_ms", "latency.e2e_p99_ms", "latency.kafka_e2e_p99_ms",
      "noop_jobs.jobs_per_s", "noop_jobs.jobs_per_cpu_s", "noop_jobs.cpu_us_per_job_gateway", "noop_jobs.cpu_us_per_job_worker",
      "noop_jobs.cpu_us_per_job_broker", "noop_jobs.kafka_records_per_cpu_s", "noop_jobs.jobs_per_submit_transaction",
      "noop_jobs.jobs_per_worker_transaction", "noop_jobs.kafka_floor_ratio", "noop_jobs.jit_cpu_share", "idle.gateway_jit_cores",
      "scaling.sequential_jps", "scaling.one_process_jps", "scaling.two_process_jps",
      "fanout.heap_bytes_per_stream", "fanout.notify_p99_ms", "fast_lane.idle_p99_ms", "fast_lane.behind_bulk_p99_ms",
      "status_view.heap_bytes_per_job", "status_view.catch_up_s", "status_view.list_page_ms", "status_view.list_page_filtered_ms");

  @Test
  void theHarnessRunsEveryScenarioAndWritesEveryKey(KafkaStack stack) throws Exception {
    Path dir = Path.of("target", "bench-harness").toAbsolutePath(); // child service logs stay here for a look
    java.nio.file.Files.createDirectories(dir);
    Results results = Benchmark.run(stack, BenchConfig.tiny(), dir, System.out);
    Path json = dir.resolve("bench.json");
    results.writeJson(json);

    JsonNode root = new ObjectMapper().readTree(json.toFile());
    for (String key : KEYS) {
      JsonNode node = root.at("/" + key.replace('.', '/'));
      assertThat(node.isNumber()).as(key).isTrue();
    }
    assertThat(root.at("/submit/gateway_rps").asDouble()).isPositive();
    assertThat(root.at("/scaling/two_process_jps").asDouble()).isPositive();
    assertThat(root.at("/noop_jobs/jobs_per_cpu_s").asDouble()).isPositive();
    assertThat(root.get("failed_scenarios")).isEmpty(); // every scenario finished
    assertThat(root.get("targets")).hasSize(results.checks().size());
    assertThat(results.markdown()).contains("| figure | ours | anchor | ratio | target | met |");
  }
}
