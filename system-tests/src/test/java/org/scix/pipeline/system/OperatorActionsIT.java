package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.FailingTask;
import org.scix.pipeline.worker.task.SimulatedTask;
import org.scix.pipeline.worker.task.TaskSettings;

/** Actions on many jobs at once, through the dashboard API on the real broker, and the audit list that records them. */
@ExtendWith(KafkaStackExtension.class)
class OperatorActionsIT {
  private static final String TOKEN = "an-operator-token-for-tests";
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aBulkRetryOf500DeadLettersMakes500NewJobsOnceAlsoWhenTheCallIsRepeated(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(DashboardSettings.TOKEN, TOKEN);
      Gateway gateway = pipeline.startGateway("bulk-replay-gw");
      Worker failing = pipeline.startWorker("bulk-replay-failing", Map.of("TASK_SYMBOL2", FailingTask.FLAKY_NAME, TaskSettings.MAX_ATTEMPTS, "1",
          LoopSettings.CONCURRENCY, "8"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        List<String> failed = Pipeline.submitMany(client, taskenum.SYMBOL2, "2024-01-01", 500);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
            .until(() -> Pipeline.ended(pipeline.statusEvents(), failed).size() == failed.size());
        failing.close();
        pipeline.startWorker("bulk-replay-working", Map.of(LoopSettings.CONCURRENCY, "8")); // SYMBOL2 now succeeds

        JsonNode first = post(gateway, "/api/dead-letters/replay", "{\"task\": \"SYMBOL2\"}");
        assertThat(first.get("matched").asInt()).isEqualTo(500);
        assertThat(first.get("replayed").asInt()).isEqualTo(500);
        JsonNode again = post(gateway, "/api/dead-letters/replay", "{\"task\": \"SYMBOL2\"}");
        assertThat(again.get("replayed").asInt()).as("a repeated call replays nothing again").isZero();
        assertThat(again.get("already_handled").asInt()).isEqualTo(500);

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> replays(pipeline.statusEvents()).size() == 500
            && Pipeline.ended(pipeline.statusEvents(), replays(pipeline.statusEvents())).size() == 500);
        Map<String, List<JobStatus>> byJob = pipeline.statusEvents().stream().filter(e -> e.getReplayOf() != null)
            .collect(Collectors.groupingBy(JobStatus::getJobId));
        assertThat(byJob).hasSize(500);
        assertThat(byJob.values().stream().map(events -> events.get(0).getReplayOf()).collect(Collectors.toSet()))
            .as("one new job per dead letter").containsExactlyInAnyOrderElementsOf(failed);
        Thread.sleep(2000); // time enough for a second run of any of them to show
        pipeline.statusEvents().stream().filter(e -> byJob.containsKey(e.getJobId())).collect(Collectors.groupingBy(JobStatus::getJobId))
            .forEach((id, events) -> assertThat(events).filteredOn(e -> JobStates.isTerminal(e.getStatus())).extracting(JobStatus::getStatus)
                .as("replay %s ends once", id).containsExactly(JobState.Success));

        JsonNode audit = get(gateway, "/api/audit?limit=10").get("entries");
        assertThat(audit).extracting(e -> e.get("action").asText()).contains("bulk replay");
        assertThat(audit.get(0).get("who").asText()).isEqualTo("operator-it");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aBulkCancelStopsEveryUnfinishedJobOfItsTaskAndLeavesTheOthers(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(DashboardSettings.TOKEN, TOKEN);
      Gateway gateway = pipeline.startGateway("bulk-cancel-gw");
      pipeline.startWorker("bulk-cancel-w", Map.of("TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "60000",
          LoopSettings.CONCURRENCY, "3")); // SYMBOL1: the built-in task, quick
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        List<String> doomed = Pipeline.submitMany(client, taskenum.SYMBOL3, "2024-01-01", 20); // three run, seventeen wait
        await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.statusEvents().stream()
            .filter(e -> doomed.contains(e.getJobId()) && e.getStatus() == JobState.Processing).count() >= 2);

        JsonNode answer = post(gateway, "/api/jobs/cancel", "{\"task\": \"SYMBOL3\"}");
        assertThat(answer.get("matched").asInt()).isEqualTo(20);
        assertThat(answer.get("cancel_requested").asInt()).isEqualTo(20);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
            .until(() -> Pipeline.ended(pipeline.statusEvents(), doomed).size() == doomed.size());
        assertThat(pipeline.statusEvents().stream().filter(e -> doomed.contains(e.getJobId()) && JobStates.isTerminal(e.getStatus())))
            .extracting(JobStatus::getErrorReason).hasSize(20).containsOnly("cancelled");

        String other = Pipeline.submitMany(client, taskenum.SYMBOL1, "2024-01-01", 1).get(0); // another task is untouched
        await().atMost(Duration.ofSeconds(60)).until(() -> Pipeline.ended(pipeline.statusEvents(), List.of(other)).size() == 1);
        assertThat(pipeline.statusEvents(other)).extracting(JobStatus::getStatus).contains(JobState.Success);
        assertThat(post(gateway, "/api/jobs/cancel", "{}", 400).get("error").asText()).contains("name a task or a since time");
        assertThat(get(gateway, "/api/audit").get("entries").get(0).get("action").asText()).isEqualTo("bulk cancel");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private JsonNode post(Gateway gateway, String path, String body) throws Exception {
    return post(gateway, path, body, 200);
  }

  private JsonNode post(Gateway gateway, String path, String body, int expected) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort() + path))
        .header("X-Dashboard-Token", TOKEN).header("X-Operator", "operator-it").header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
    return json.readTree(response.body());
  }

  private JsonNode get(Gateway gateway, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort() + path))
        .header("X-Dashboard-Token", TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static Set<String> replays(List<JobStatus> events) {
    return events.stream().filter(e -> e.getReplayOf() != null).map(JobStatus::getJobId).collect(Collectors.toCollection(HashSet::new));
  }
}
