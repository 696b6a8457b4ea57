package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * Delivery guarantees on the real broker and registry: retries with attempt numbers, dead
 * letters, poison records, cancellation, idempotent submission across replicas, long jobs, and a
 * graceful worker drain. Each test has its own topics.
 */
@ExtendWith(KafkaStackExtension.class)
class GuaranteesIT {
  private static final JobRequest SYMBOL1 = new JobRequest(taskenum.SYMBOL1, null, null, "2024-01-01");
  private static final JobRequest SYMBOL2 = new JobRequest(taskenum.SYMBOL2, null, null, "2024-01-01");
  private static final JobRequest SYMBOL3 = new JobRequest(taskenum.SYMBOL3, null, null, null);

  private static final String DASHBOARD_TOKEN = "a-test-token-of-some-length";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<AutoCloseable> resources = new ArrayList<>();
  private Pipeline pipeline;

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private PipelineClient gateway(String instanceId) throws Exception {
    Gateway gateway = pipeline.startGateway(instanceId);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    resources.add(channel::shutdownNow);
    return new PipelineClient(channel, 60);
  }

  private Pipeline pipeline(KafkaStack stack) {
    pipeline = new Pipeline(stack);
    resources.add(pipeline);
    return pipeline;
  }

  @Test
  void retryableFailuresAreRetriedWithTheirAttemptNumberThenErrorAndDeadLetter(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("retry", Map.of("TASK_SYMBOL2", "flaky", TaskSettings.MAX_ATTEMPTS, "3"));
    PipelineClient client = gateway("retry-gw");

    JobUpdate last = client.submitAndFollow(SYMBOL2, null, u -> { });

    assertThat(last.status()).isEqualTo(statusenum.Error);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<JobStatus> events = pipeline.statusEvents(last.jobId());
      assertThat(events).extracting(JobStatus::getStatus, JobStatus::getAttempt).containsExactly(
          org.assertj.core.groups.Tuple.tuple(JobState.Pending, 0),
          org.assertj.core.groups.Tuple.tuple(JobState.Processing, 1),
          org.assertj.core.groups.Tuple.tuple(JobState.Processing, 2),
          org.assertj.core.groups.Tuple.tuple(JobState.Processing, 3),
          org.assertj.core.groups.Tuple.tuple(JobState.Error, 3));
      assertThat(events.get(4).getErrorReason()).startsWith("gave up after 3 attempt(s)");
    });
    List<ConsumerRecord<String, byte[]>> deadLetters = pipeline.records(pipeline.topic("INPUT_TOPIC") + ".DLT");
    assertThat(deadLetters).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo(last.jobId());
      assertThat(header(r, "dlt.reason")).startsWith("gave up after 3 attempt(s)");
      assertThat(header(r, "dlt.original.topic")).isEqualTo(pipeline.topic("INPUT_TOPIC"));
    });
  }

  @Test
  void aPoisonRecordIsDeadLetteredAndThePartitionKeepsMoving(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("poison", Map.of());
    PipelineClient client = gateway("poison-gw");
    String poisonKey = JobIds.random();
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer())) {
      // Every partition gets garbage ahead of the next jobs: not the Confluent wire format at all.
      for (int partition = 0; partition < 4; partition++) {
        raw.send(new ProducerRecord<>(pipeline.topic("INPUT_TOPIC"), partition, poisonKey, "not avro".getBytes(StandardCharsets.UTF_8))).get();
      }
    }

    List<JobUpdate> after = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      after.add(client.submitAndFollow(SYMBOL1, null, u -> { }));
    }

    assertThat(after).extracting(JobUpdate::status).containsOnly(statusenum.Success);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(pipeline.records(pipeline.topic("INPUT_TOPIC") + ".DLT")).hasSize(4).allSatisfy(r -> {
          assertThat(r.key()).isEqualTo(poisonKey);
          assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
          assertThat(header(r, "dlt.reason")).isNotBlank();
        }));
  }

  @Test
  void cancellingARunningJobStopsItsTaskAndEndsItInErrorCancelledOnce(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("cancel", Map.of(TaskSettings.SIMULATE_ALL_MS, "60000"));
    PipelineClient client = gateway("cancel-gw");
    String jobId = client.submit(SYMBOL3, null).jobId();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.monitor(jobId).status() == statusenum.Processing);

    long start = System.nanoTime();
    JobUpdate afterCancel = client.cancel(jobId);

    assertThat(afterCancel.status()).isEqualTo(statusenum.Error);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30)); // not the task's 60 s
    assertThat(client.cancel(jobId).status()).as("cancel of a finished job changes nothing").isEqualTo(statusenum.Error);
    List<JobStatus> events = pipeline.statusEvents(jobId);
    assertThat(events).extracting(JobStatus::getStatus).containsExactly(JobState.Pending, JobState.Processing, JobState.Error);
    assertThat(events.get(2).getErrorReason()).isEqualTo("cancelled");
    assertThat(pipeline.records(pipeline.topic("OUTPUT_TOPIC"))).isEmpty();
  }

  @Test
  void aRepeatedIdempotencyKeyOnAnotherReplicaReturnsTheSameJobAndEnqueuesNothing(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("idem", Map.of());
    PipelineClient first = gateway("idem-gw-1");
    PipelineClient second = gateway("idem-gw-2");

    JobUpdate original = first.submitAndFollow(SYMBOL1, "order-1001", u -> { });
    JobUpdate repeat = second.submit(SYMBOL1, "order-1001");
    JobUpdate other = second.submit(SYMBOL1, "order-1002");

    assertThat(repeat.jobId()).isEqualTo(original.jobId());
    // The job's status as the second replica's view holds it (it may not have read the Success yet), then its end.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(second.submit(SYMBOL1, "order-1001").status()).isEqualTo(statusenum.Success));
    assertThat(other.jobId()).isNotEqualTo(original.jobId());
    assertThat(pipeline.records(pipeline.topic("INPUT_TOPIC"))).filteredOn(r -> r.key().equals(original.jobId())).hasSize(1);
  }

  /**
   * Two replicas racing on one key (or on one dead letter's replay) can both enqueue the job; the
   * worker runs it once, but a second Pending that commits after the job ended is the latest value
   * of its key, which compaction keeps: a replica rebuilt from the topic would show it Pending for
   * ever (the 2-minute chaos run found two such jobs). A replica that reads such a Pending writes
   * the job's end again, the very same event, so the topic ends in it.
   */
  @Test
  void aDuplicatePendingCommittedAfterTheJobEndedIsFollowedByTheSameEndAgain(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("late", Map.of());
    PipelineClient client = gateway("late-gw");
    JobUpdate done = client.submitAndFollow(SYMBOL1, "late-key", u -> { });
    assertThat(done.status()).isEqualTo(statusenum.Success);
    JobStatus end = pipeline.statusEvents(done.jobId()).stream().filter(e -> JobStates.isTerminal(e.getStatus())).findFirst().orElseThrow();

    PipelineSerdes serdes = new PipelineSerdes(pipeline.kafka());
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()), new StringSerializer(), serdes.recordValues())) {
      producer.send(new ProducerRecord<>(pipeline.topic("STATUS_TOPIC"), done.jobId(),
          JobStatuses.pending(done.jobId(), "SYMBOL1", "gateway-late-twin", null, null))).get(); // the racing replica's Pending, late
    }

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      List<JobStatus> events = pipeline.statusEvents(done.jobId());
      JobStatus last = events.get(events.size() - 1);
      assertThat(List.of(last.getStatus(), last.getTime(), last.getAttempt(), last.getWorker()))
          .isEqualTo(List.of(end.getStatus(), end.getTime(), end.getAttempt(), end.getWorker()));
    });
    assertThat(client.monitor(done.jobId()).status()).isEqualTo(statusenum.Success);
  }

  @Test
  void aJobLongerThanMaxPollIntervalRunsOnceWithoutARebalance(KafkaStack stack) throws Exception {
    // max.poll.interval.ms of 3 s and a 9 s task: a worker that ran tasks on its poll thread
    // would be thrown out of the group and the job would run again elsewhere.
    pipeline(stack).startWorker("long-a", Map.of(TaskSettings.SIMULATE_ALL_MS, "9000", "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "3000"));
    pipeline.startWorker("long-b", Map.of(TaskSettings.SIMULATE_ALL_MS, "9000", "KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "3000"));
    PipelineClient client = gateway("long-gw");
    pipeline.awaitWorkersAssigned(2); // the group is settled: any rebalance from here on is the long job's doing

    JobUpdate last = client.submitAndFollow(SYMBOL3, null, u -> { });

    assertThat(last.status()).isEqualTo(statusenum.Success);
    assertThat(pipeline.statusEvents(last.jobId())).extracting(JobStatus::getStatus)
        .containsExactly(JobState.Pending, JobState.Processing, JobState.Success);
    assertThat(pipeline.records(pipeline.topic("OUTPUT_TOPIC"))).filteredOn(r -> r.key().equals(last.jobId())).hasSize(1);
  }

  @Test
  void stoppingAWorkerFinishesItsInFlightJobsBeforeItLeaves(KafkaStack stack) throws Exception {
    Worker worker = pipeline(stack).startWorker("drain", Map.of(TaskSettings.SIMULATE_ALL_MS, "2000"));
    PipelineClient client = gateway("drain-gw");
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      jobs.add(client.submit(SYMBOL3, null).jobId());
    }
    await().atMost(Duration.ofSeconds(30)).until(() ->
        jobs.stream().allMatch(id -> client.monitor(id).status() == statusenum.Processing));

    worker.close(); // what SIGTERM does: stop taking jobs, finish in-flight ones, commit, leave

    for (String id : jobs) {
      assertThat(client.monitor(id).status()).isEqualTo(statusenum.Success);
      assertThat(pipeline.statusEvents(id)).extracting(JobStatus::getStatus)
          .containsExactly(JobState.Pending, JobState.Processing, JobState.Success);
    }
    assertThat(pipeline.statusEvents()).filteredOn(e -> JobStates.isTerminal(e.getStatus())).hasSize(jobs.size());
  }

  /**
   * Replays of one dead letter that race (a double click, two replicas, a retry after a timeout)
   * make one job: its id is derived from the dead letter, so the worker runs it once. Before, each
   * replay made a job of its own.
   */
  @Test
  void concurrentReplaysOfOneDeadLetterOnTwoReplicasRunOneJob(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("replay-w", Map.of("TASK_SYMBOL2", "flaky", TaskSettings.MAX_ATTEMPTS, "1"));
    pipeline.settings.put(DashboardSettings.TOKEN, DASHBOARD_TOKEN);
    Gateway first = pipeline.startGateway("replay-gw-1");
    Gateway second = pipeline.startGateway("replay-gw-2");
    JobUpdate failed = client(first).submitAndFollow(SYMBOL2, null, u -> { });
    assertThat(failed.status()).isEqualTo(statusenum.Error);
    HttpClient http = HttpClient.newHttpClient();
    String ref = await().atMost(Duration.ofSeconds(30)).until(() -> deadLetterRef(http, first, failed.jobId()), r -> r != null);

    List<CompletableFuture<HttpResponse<String>>> replays = new ArrayList<>();
    for (Gateway gateway : List.of(first, second, first, second)) {
      replays.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort()
          + "/api/dead-letters/" + ref + "/replay")).header("X-Dashboard-Token", DASHBOARD_TOKEN)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> replayedAs = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> replay : replays) {
      HttpResponse<String> answer = replay.get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isIn(200, 409); // 409: already replayed
      if (answer.statusCode() == 200) {
        replayedAs.add(JSON.readTree(answer.body()).get("replayed_as").asText());
      }
    }

    assertThat(replayedAs).hasSize(1);
    String replay = replayedAs.iterator().next();
    HttpResponse<String> shown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.dashboardPort()
        + "/api/dead-letters/" + ref)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
    assertThat(JSON.readTree(shown.body()).get("replayedAs").asText()).isEqualTo(replay); // one letter, by ref, on either replica
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(JobStates.distinctEnds(pipeline.statusEvents(replay))).hasSize(1)); // a restated end is the same ending
    Thread.sleep(2000); // a second run, had there been one, would have ended by now
    assertThat(JobStates.distinctEnds(pipeline.statusEvents(replay))).hasSize(1);
  }

  private static String deadLetterRef(HttpClient http, Gateway gateway, String jobId) throws Exception {
    HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort()
        + "/api/dead-letters")).build(), HttpResponse.BodyHandlers.ofString());
    for (var letter : JSON.readTree(list.body()).get("dead_letters")) {
      if (jobId.equals(letter.get("key").asText())) {
        return letter.get("ref").asText();
      }
    }
    return null;
  }

  /**
   * A replica restarted with fewer SUBMIT_LANES starts no producer for its old higher lanes; a
   * zombie of its previous process must not be able to commit with them. Before, it could.
   */
  @Test
  void aGatewayStartedWithFewerLanesFencesTheTransactionalIdsOfItsRetiredLanes(KafkaStack stack) throws Exception {
    pipeline(stack);
    Map<String, Object> config = new HashMap<>(pipeline.kafka().clientConfig());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, JobSubmitter.transactionalId("lanes-gw", 2));
    try (KafkaProducer<String, byte[]> zombie = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      zombie.initTransactions();
      zombie.beginTransaction();
      zombie.send(new ProducerRecord<>(pipeline.topic("OUTPUT_TOPIC"), "zombie", new byte[0])).get();

      pipeline.settings.put(SubmitterSettings.LANES, "1");
      pipeline.startGateway("lanes-gw");

      assertThatThrownBy(zombie::commitTransaction).isInstanceOf(KafkaException.class);
    }
    assertThat(pipeline.records(pipeline.topic("OUTPUT_TOPIC"))).isEmpty();
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * A second replica started with the first one's instance id takes over its transactional id.
   * The first must then stop accepting jobs and say why, not recover into a new producer that
   * fences its twin back (which made the two take turns failing each other's jobs).
   */
  @Test
  void aGatewayWhoseInstanceIdIsTakenOverStopsInsteadOfFencingItsTwinBack(KafkaStack stack) throws Exception {
    pipeline(stack).startWorker("twin-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
    Gateway first = pipeline.startGateway("twin");
    PipelineClient firstClient = client(first);
    assertThat(firstClient.submit(SYMBOL3, null).jobId()).isNotBlank();

    Gateway second = pipeline.startGateway("twin");
    PipelineClient secondClient = client(second);

    assertThatThrownBy(() -> firstClient.submit(SYMBOL3, null)).isInstanceOfSatisfying(PipelineClientException.class, e -> {
      assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.status().getDescription()).contains("fenced");
    });
    assertThat(first.fenced()).succeedsWithin(Duration.ofSeconds(5)).asString().contains("GATEWAY_INSTANCE_ID");
    assertThat(first.isServing()).isFalse();
    for (int i = 0; i < 5; i++) {
      assertThat(secondClient.submitAndFollow(SYMBOL3, null, u -> { }).status()).isEqualTo(statusenum.Success);
      assertThatThrownBy(() -> firstClient.submit(SYMBOL3, null)).isInstanceOf(PipelineClientException.class);
    }
    assertThat(second.isServing()).isTrue();
  }

  private PipelineClient client(Gateway gateway) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    resources.add(channel::shutdownNow);
    return new PipelineClient(channel, 60);
  }
}
