package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.task.TaskSettings;

/** Bounded state on the real broker: retention with tombstones, ListJobs and a job's history, a restart that resumes from its store. */
@ExtendWith(KafkaStackExtension.class)
class JobQueriesIT {
  private static final JobRequest SYMBOL1 = new JobRequest(taskenum.SYMBOL1, null, null, "2024-01-01");
  private static final JobRequest SYMBOL2 = new JobRequest(taskenum.SYMBOL2, null, null, "2024-01-01");
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @TempDir
  Path storeDir;

  @AfterEach
  void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  @Test
  void aFinishedJobPastRetentionIsGoneFromMonitorListJobsAndTheTopicWhileAnOlderPendingJobStays(KafkaStack stack) throws Exception {
    Pipeline pipeline = pipeline(stack);
    pipeline.settings.put(ApiSettings.IDEMPOTENCY_WINDOW, "1000");
    pipeline.settings.put(StatusViewSettings.RETENTION, "4000");
    Gateway gateway = gateway(pipeline, "retention-gw");
    PipelineClient client = client(gateway);
    Worker worker = pipeline.startWorker("retention-worker", Map.of());
    JobUpdate finished = client.submitAndFollow(SYMBOL1, null, u -> { });
    assertThat(finished.status()).isEqualTo(statusenum.Success);
    worker.close(); // from now on nothing takes jobs: the next one stays Pending
    JobUpdate pending = client.submit(SYMBOL1, null);
    Instant pendingSince = Instant.now();

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThatThrownBy(() -> client.monitor(finished.jobId())).isInstanceOfSatisfying(PipelineClientException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.NOT_FOUND)));
    await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(pendingSince.plusMillis(5_000)));

    assertThat(client.monitor(pending.jobId()).status()).isEqualTo(statusenum.Pending); // older than the retention, never dropped
    assertThat(get(gateway, "/jobs/" + finished.jobId()).statusCode()).isEqualTo(404);
    JsonNode listed = json.readTree(get(gateway, "/jobs").body());
    assertThat(listed.get("jobs")).extracting(j -> j.get("job_id").asText()).containsExactly(pending.jobId());
    // The topic's latest state of the finished job is a tombstone on its partition: compaction drops it.
    Map<String, ConsumerRecord<String, byte[]>> latest = new HashMap<>();
    pipeline.records(pipeline.topic("STATUS_TOPIC")).forEach(r -> latest.put(r.key(), r));
    assertThat(latest.get(finished.jobId()).value()).isNull();
    assertThat(latest.get(pending.jobId()).value()).isNotNull();
  }

  @Test
  void listJobsFiltersByStatusTaskAndTimeAndPagesWithACursorAndAJobShowsItsHistory(KafkaStack stack) throws Exception {
    Pipeline pipeline = pipeline(stack);
    Gateway gateway = gateway(pipeline, "list-gw");
    PipelineClient client = client(gateway);
    pipeline.startWorker("list-worker", Map.of("TASK_SYMBOL2", "flaky", TaskSettings.MAX_ATTEMPTS, "2"));
    List<String> succeeded = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      succeeded.add(client.submitAndFollow(SYMBOL1, null, u -> { }).jobId());
    }
    Thread.sleep(20);
    Instant between = Instant.now();
    Thread.sleep(20);
    List<String> failed = new ArrayList<>();
    PipelineClient traced = tracedClient(gateway);
    for (int i = 0; i < 3; i++) {
      JobUpdate last = traced.submitAndFollow(SYMBOL2, null, u -> { });
      assertThat(last.status()).isEqualTo(statusenum.Error);
      failed.add(last.jobId());
    }

    assertThat(ids(list(gateway, "status=Error"))).containsExactlyInAnyOrderElementsOf(failed);
    assertThat(ids(list(gateway, "task=SYMBOL1&status=Success"))).containsExactlyInAnyOrderElementsOf(succeeded);
    assertThat(ids(list(gateway, "status=Pending,Processing"))).isEmpty();
    assertThat(ids(list(gateway, "from=" + between))).containsExactlyInAnyOrderElementsOf(failed);
    assertThat(ids(list(gateway, "to=" + between.toEpochMilli()))).containsExactlyInAnyOrderElementsOf(succeeded);

    // Pages of 3: newest first, every job once, the last page without a cursor.
    List<String> paged = new ArrayList<>();
    List<String> submittedTimes = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = list(gateway, "limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      page.get("jobs").forEach(j -> {
        paged.add(j.get("job_id").asText());
        submittedTimes.add(j.get("submitted_at").asText());
      });
      cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(paged).hasSize(8).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(concat(succeeded, failed));
    assertThat(submittedTimes).isSortedAccordingTo((a, b) -> Instant.parse(b).compareTo(Instant.parse(a)));

    JsonNode job = json.readTree(get(gateway, "/jobs/" + failed.get(0)).body()).get("job");
    assertThat(job.get("status").asText()).isEqualTo("Error");
    assertThat(job.get("task").asText()).isEqualTo("SYMBOL2");
    assertThat(job.get("attempts").asInt()).isEqualTo(2);
    assertThat(job.get("worker").asText()).isEqualTo("worker-list-worker");
    assertThat(job.get("error_reason").asText()).startsWith("gave up after 2 attempt(s)");
    assertThat(job.get("trace_id").asText()).isEqualTo(TRACE_ID);
    assertThat(job.get("history")).extracting(h -> h.get("status").asText()).containsExactly("Pending", "Processing", "Error");

    HttpResponse<String> bad = get(gateway, "/jobs?status=Done");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json.readTree(bad.body()).get("error").asText()).contains("unknown status 'Done'");
  }

  @Test
  void aRestartedGatewayResumesFromItsStoreAndReadsOnlyTheTopicsTail(KafkaStack stack) throws Exception {
    Pipeline pipeline = pipeline(stack);
    pipeline.settings.put(StatusViewSettings.STORE_DIR, storeDir.toString());
    pipeline.startWorker("restart-worker", Map.of());
    Gateway first = gateway(pipeline, "restart-gw");
    PipelineClient client = client(first);
    List<String> before = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      before.add(client.submitAndFollow(SYMBOL1, null, u -> { }).jobId());
    }
    first.close();
    Gateway other = gateway(pipeline, "restart-other-gw"); // jobs accepted while the first is down
    String whileDown = client(other).submitAndFollow(SYMBOL1, null, u -> { }).jobId();

    Gateway restarted = gateway(pipeline, "restart-gw");

    PipelineClient again = client(restarted);
    assertThat(again.monitor(whileDown).status()).isEqualTo(statusenum.Success);
    for (String id : before) {
      assertThat(again.monitor(id).status()).isEqualTo(statusenum.Success);
    }
    // It read the events of the one job accepted while it was down, not the topic from the beginning.
    double read = restarted.metrics().get("pipeline.status_view.events_read").counter().count();
    assertThat(pipeline.records(pipeline.topic("STATUS_TOPIC")).size()).isGreaterThan(20);
    assertThat(read).isEqualTo(pipeline.statusEvents(whileDown).size());
  }

  private Pipeline pipeline(KafkaStack stack) {
    Pipeline pipeline = new Pipeline(stack);
    resources.add(pipeline);
    return pipeline;
  }

  /** A gateway serving its ops port (where ListJobs is) on a port of its own. */
  private static Gateway gateway(Pipeline pipeline, String instanceId) throws Exception {
    pipeline.settings.put(GatewayConfig.OPS_PORT, Integer.toString(Ports.free()));
    return pipeline.startGateway(instanceId);
  }

  private PipelineClient client(Gateway gateway) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    resources.add(channel::shutdownNow);
    return new PipelineClient(channel, 30);
  }

  /** A client whose calls carry a caller's W3C traceparent. */
  private PipelineClient tracedClient(Gateway gateway) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    resources.add(channel::shutdownNow);
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + TRACE_ID + "-00f067aa0ba902b7-01");
    return new PipelineClient(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)), 30);
  }

  private HttpResponse<String> get(Gateway gateway, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.opsPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode list(Gateway gateway, String query) throws Exception {
    HttpResponse<String> response = get(gateway, "/jobs?" + query);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode page = json.readTree(response.body());
    assertThat(page.get("view").get("caught_up").asBoolean()).isTrue();
    return page;
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("jobs").forEach(j -> ids.add(j.get("job_id").asText()));
    return ids;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
