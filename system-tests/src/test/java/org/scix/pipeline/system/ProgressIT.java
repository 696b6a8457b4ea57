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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.ProgressUpdate;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.ScriptedTask;
import org.scix.pipeline.worker.task.TaskSettings;

/** Progress and heartbeats on the real broker. */
@ExtendWith(KafkaStackExtension.class)
class ProgressIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void progressOneToTenIsPublishedInOrderBeforeTheEndAndShownWhileTheJobRuns(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("progress-gw");
      pipeline.startWorker("progress-w", Map.of("TASK_SYMBOL3", ScriptedTask.NAME));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        // Ten steps, 1.2 s apart: each is published (at most one a second per job).
        String jobId = client.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=12000;progress=10", null), null).jobId();
        JsonNode running = await().atMost(Duration.ofSeconds(20)).until(() -> job(gateway, jobId),
            job -> job.has("progress") && job.get("status").asText().equals("Processing"));
        assertThat(running.get("progress").get("total").asLong()).isEqualTo(10);
        assertThat(running.get("progress").get("done").asLong()).isBetween(1L, 10L);
        // A Monitor stream that asked for progress: each new progress in order, none with or after the end.
        List<ProgressUpdate> seen = new java.util.ArrayList<>();
        assertThat(client.followWithProgress(jobId, seen::add).status()).isEqualTo(statusenum.Success);
        List<Long> streamed = seen.stream().filter(u -> u.done() != null).map(ProgressUpdate::done).distinct().toList();
        assertThat(streamed).as("progress on the stream").hasSizeGreaterThanOrEqualTo(6).isSorted();
        assertThat(seen.get(seen.size() - 1).done()).as("the end carries no progress").isNull();
        assertThat(seen.subList(0, seen.size() - 1)).allMatch(u -> u.status() != statusenum.Success);
        assertThat(client.follow(jobId, u -> { }).status()).as("a plain Monitor of the ended job").isEqualTo(statusenum.Success);

        List<JobStatus> events = pipeline.statusEvents(jobId);
        List<Long> published = events.stream().filter(e -> e.getProgressDone() != null).map(JobStatus::getProgressDone).toList();
        assertThat(published).as("published progress").hasSizeGreaterThanOrEqualTo(8).isSorted().doesNotHaveDuplicates();
        int end = events.indexOf(events.stream().filter(e -> JobStates.isTerminal(e.getStatus())).findFirst().orElseThrow());
        assertThat(events.subList(end, events.size())).noneMatch(e -> e.getProgressDone() != null);
        assertThat(job(gateway, jobId).has("progress")).as("an ended job shows no progress").isFalse();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aTaskThatStopsHeartbeatingEndsErrorWithinItsTimeoutAndItsSlotRunsTheNextJob(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("heartbeat-gw");
      pipeline.startWorker("heartbeat-w", Map.of("TASK_SYMBOL3", ScriptedTask.NAME, LoopSettings.CONCURRENCY, "1",
          "TASK_SYMBOL3" + TaskSettings.TASK_HEARTBEAT_TIMEOUT_SUFFIX, "2000"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        String silent = client.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=600000", null), null).jobId();
        String next = client.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=10", null), null).jobId();
        assertThat(client.follow(silent, u -> { }).status()).isEqualTo(statusenum.Error);
        JobStatus end = pipeline.statusEvents(silent).stream().filter(e -> e.getStatus() == JobState.Error).findFirst().orElseThrow();
        assertThat(end.getErrorReason()).isEqualTo("no heartbeat for 2 s");
        assertThat(end.getTime().toEpochMilli() - end.getStartedTime().toEpochMilli()).as("ended after its timeout").isGreaterThanOrEqualTo(2000);
        assertThat(client.follow(next, u -> { }).status()).as("the freed slot runs the next job").isEqualTo(statusenum.Success);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private JsonNode job(Gateway gateway, String jobId) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort()
        + "/api/jobs/" + jobId)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(answer.body()).get("job");
  }
}
