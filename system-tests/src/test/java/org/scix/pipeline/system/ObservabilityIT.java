package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.task.TaskSettings;

/** What operators see: the caller's trace context through Kafka into status events, metrics and probes. */
@ExtendWith(KafkaStackExtension.class)
class ObservabilityIT {
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aCallersTraceparentReachesEveryStatusEventAndTheJobIsCountedInMetrics(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(GatewayConfig.OPS_PORT, Integer.toString(Ports.free()));
      Gateway gateway = pipeline.startGateway("obs-gw");
      Worker worker = pipeline.startWorker("obs-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10", WorkerConfig.OPS_PORT, Integer.toString(Ports.free())));
      await().atMost(Duration.ofSeconds(30)).until(() -> get(worker.opsPort(), "/health/ready").statusCode() == 200);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), TRACEPARENT);
        PipelineClient client = new PipelineClient(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)), 30);

        JobUpdate done = client.submitAndFollow(new JobRequest(taskenum.SYMBOL3, null, null, null), null, u -> { });

        assertThat(pipeline.statusEvents(done.jobId()))
            .extracting(JobStatus::getStatus, JobStatus::getTraceparent)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(JobState.Pending, TRACEPARENT),
                org.assertj.core.groups.Tuple.tuple(JobState.Processing, TRACEPARENT),
                org.assertj.core.groups.Tuple.tuple(JobState.Success, TRACEPARENT));
        assertThat(pipeline.records(pipeline.topic("INPUT_TOPIC"))).filteredOn(r -> r.key().equals(done.jobId()))
            .singleElement().satisfies(r ->
                assertThat(new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.US_ASCII)).isEqualTo(TRACEPARENT));

        String gatewayMetrics = get(gateway.opsPort(), "/metrics").body();
        assertThat(gatewayMetrics)
            .contains("pipeline_jobs_submitted_total{component=\"gateway\"} 1.0")
            .contains("grpc_server_calls_seconds_count{code=\"OK\",component=\"gateway\",method=\"templateaapi.TemplateInit/initTemplate\"} 1")
            .contains("jvm_memory_used_bytes");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(worker.opsPort(), "/metrics").body())
            .contains("pipeline_jobs_succeeded_total{component=\"worker\"} 1.0")
            .contains("kafka_consumer"));
        assertThat(get(gateway.opsPort(), "/health/ready").statusCode()).isEqualTo(200);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
