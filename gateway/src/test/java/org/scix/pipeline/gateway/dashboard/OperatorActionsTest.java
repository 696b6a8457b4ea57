package org.scix.pipeline.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.gateway.audit.AuditLog;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.jobsapi.BulkCancel;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.SubmissionFailedException;
import org.scix.pipeline.gateway.submit.TestSubmitters;
import org.scix.pipeline.schemas.status.JobState;

/** The dashboard's bulk actions over HTTP, with the audit entry each leaves. */
class OperatorActionsTest {
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));

  private final MockProducer<String, Object> producer =
      new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
  private final StatusView view = StatusView.inMemory();
  private final JobSubmitter submitter = TestSubmitters.create(TOPICS, () -> producer);
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    submitter.close();
  }

  /**
   * Kafka goes away part-way through a bulk cancel: the first cancel is written, the next is
   * refused, the last one's outcome is unknown. The written cancel stops its job whatever the
   * answer says, so the caller hears the counts with the error, and the audit log records them.
   */
  @Test
  void aBulkCancelThatFailsPartWayAnswersAndAuditsWhatWasDone() throws Exception {
    for (int i = 0; i < 3; i++) {
      pending("job-" + i);
    }
    AtomicInteger calls = new AtomicInteger();
    List<String> asked = new ArrayList<>();
    BulkCancel cancels = new BulkCancel(view, synced(), job -> {
      asked.add(job.jobId());
      return switch (calls.getAndIncrement()) {
        case 0 -> CompletableFuture.completedFuture(null);
        case 1 -> CompletableFuture.failedFuture(SubmissionFailedException.notAccepted("Kafka did not take the job", null));
        default -> CompletableFuture.failedFuture(SubmissionFailedException.outcomeUnknown(job.jobId(), new RuntimeException("no answer")));
      };
    });
    submitter.start();
    serve(new OperatorActions(cancels, null, new AuditLog(submitter, null, TOPICS.audit(), "test", Clock.systemUTC()),
        Clock.systemUTC()));

    HttpResponse<String> response = post("/api/jobs/cancel", "{\"task\": \"CANCELME\"}");

    assertThat(asked).hasSize(3);
    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode answer = Json.MAPPER.readTree(response.body());
    assertThat(answer.path("matched").asInt()).isEqualTo(3);
    assertThat(answer.path("cancel_requested").asInt()).isEqualTo(1);
    assertThat(answer.path("outcome_unknown").asInt()).isEqualTo(1);
    assertThat(answer.path("not_written").asInt()).isEqualTo(1);
    assertThat(answer.path("error").asText()).contains("failed part-way: 1 of 3 matching job(s) asked to stop")
        .contains("Kafka did not take the job");

    String entry = auditEntry();
    assertThat(entry).contains("\"action\":\"bulk cancel\"").contains("1 of 3 matching job(s) asked to stop")
        .contains("1 outcome unknown (may stop)").contains("1 not written").contains("Kafka did not take the job");
  }

  private void pending(String jobId) {
    view.applyAll(List.of(new StatusView.Event(0, -1, jobId, JobStatuses.event(jobId, JobState.Pending, "CANCELME", 1, "local", null,
        null))));
  }

  private static StatusViewSync synced() {
    return new StatusViewSync() {
      @Override
      public boolean isCaughtUp() {
        return true;
      }

      @Override
      public CompletableFuture<Void> sync() {
        return CompletableFuture.completedFuture(null);
      }
    };
  }

  private void serve(OperatorActions actions) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", actions.routes(new HttpRouter()));
    server.start();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The one audit entry written (through the submitter, which writes it asynchronously). */
  private String auditEntry() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline) {
      var entries = producer.history().stream().filter(r -> r.topic().equals(TOPICS.audit())).toList();
      if (!entries.isEmpty()) {
        assertThat(entries).hasSize(1);
        return new String((byte[]) entries.get(0).value(), StandardCharsets.UTF_8);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no audit entry written");
  }
}
