package org.scix.pipeline.gateway.batches;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.submit.JobRecords;
import org.scix.pipeline.gateway.submit.TestSubmitters;
import org.scix.pipeline.schemas.avro.TrustedAvroClasses;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.ManualClock;

/** The JSON batch API over Kafka's MockProducer: a body is checked whole before anything is written, and a key names one batch. */
class BatchesTest {
  static {
    TrustedAvroClasses.register();
  }

  private final TopicSettings topics = TopicSettings.from(Settings.of(Map.of()));
  private final MockProducer<String, Object> producer = new MockProducer<>(true, null, new StringSerializer(), (t, v) -> (byte[]) v);
  private final StatusView view = StatusView.inMemory();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualClock clock = new ManualClock(1_000_000_000L);
  private BatchTransactions transactions;
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    transactions = new BatchTransactions(new TransactionalWriter("test-batches", () -> producer, () -> true, Duration.ofMillis(200)),
        new JobRecords(topics, TestSubmitters.avroBinary(), new RecordSizeLimit(1024 * 1024), "gateway-test", topics.partitions()), topics,
        new BatchSettings(1000, Duration.ofSeconds(5)), new SimpleMeterRegistry());
    transactions.init();
    Batches batches = new Batches(transactions, view, new CommittedStatuses(), Duration.ofSeconds(1), Duration.ofMinutes(10), clock);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/", new BatchesHttpApi(batches).routes(new HttpRouter(), "/api/batches"));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    transactions.close();
  }

  @Test
  void aBodyWithFieldsAfterItsDaterangesIsAcceptedWhole() throws Exception {
    HttpResponse<String> answer = post("{\"dateranges\": [\"2020-01-01\", \"2020-01-02:2020-01-05\"], \"task\": \"SYMBOL1\", "
        + "\"split\": {\"from\": \"2021-01-01\", \"to\": \"2021-01-03\", \"days_per_job\": 1}, \"priority\": \"bulk\"}", null);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(answer.body()).get("total").asLong()).isEqualTo(5);
    assertThat(producer.history()).hasSize(10); // each job and its Pending
  }

  @Test
  void aBodyRefusedAfterItsDaterangesWritesNothing() throws Exception {
    HttpResponse<String> unknownField = post("{\"task\": \"SYMBOL1\", \"dateranges\": [\"2020-01-01\"], \"colour\": \"red\"}", null);
    HttpResponse<String> unknownTask = post("{\"dateranges\": [\"2020-01-01\"], \"task\": \"SYMBOL9\"}", null);

    assertThat(unknownField.statusCode()).isEqualTo(400);
    assertThat(unknownField.body()).contains("colour").doesNotContain("was submitted");
    assertThat(unknownTask.statusCode()).isEqualTo(400);
    assertThat(unknownTask.body()).contains("task");
    assertThat(producer.history()).isEmpty();
    assertThat(producer.transactionAborted()).isFalse(); // none was even begun
  }

  @Test
  void aBatchRetriedWithTheSameIdempotencyKeyAnswersTheSameBatchAndWritesItOnce() throws Exception {
    String body = "{\"task\": \"SYMBOL2\", \"dateranges\": [\"2020-01-01\", \"2020-01-02\", \"2020-01-03\"]}";
    JsonNode first = Json.MAPPER.readTree(post(body, "nightly-2020").body());
    clock.advance(Duration.ofMinutes(9)); // within the window
    JsonNode retry = Json.MAPPER.readTree(post(body, "nightly-2020").body());
    JsonNode otherKey = Json.MAPPER.readTree(post(body, "nightly-2021").body());

    assertThat(retry.get("batch_id")).isEqualTo(first.get("batch_id"));
    assertThat(retry.get("total").asLong()).isEqualTo(3);
    assertThat(otherKey.get("batch_id")).isNotEqualTo(first.get("batch_id"));
    assertThat(producer.history()).hasSize(2 * 2 * 3); // two batches of three jobs, each job and its Pending
  }

  private HttpResponse<String> post(String body, String idempotencyKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/batches"))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("idempotency-key", idempotencyKey);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A read barrier over the MockProducer: the view gets every committed Pending, as a replica reading the status topic would. */
  private final class CommittedStatuses implements StatusViewSync {
    private int applied;

    @Override
    public boolean isCaughtUp() {
      return true;
    }

    @Override
    public synchronized CompletableFuture<Void> sync() {
      List<ProducerRecord<String, Object>> history = producer.history();
      for (; applied < history.size(); applied++) {
        ProducerRecord<String, Object> record = history.get(applied);
        if (record.topic().equals(topics.status())) {
          view.applyAll(List.of(new StatusView.Event(0, applied, record.key(), status((byte[]) record.value()))));
        }
      }
      return CompletableFuture.completedFuture(null);
    }
  }

  private static JobStatus status(byte[] bytes) {
    try {
      return new SpecificDatumReader<>(JobStatus.class).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
