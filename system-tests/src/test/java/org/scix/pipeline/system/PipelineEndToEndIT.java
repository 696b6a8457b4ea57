package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * The core path against the real broker and registry: gateway, workers, status topic, Monitor from
 * any replica, restarts, worker processes in one group, and an unmodified-protocol client.
 */
@ExtendWith(KafkaStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineEndToEndIT {
  private Pipeline pipeline;
  private Gateway gateway;
  private ManagedChannel channel;
  private PipelineClient client;

  @BeforeAll
  void startPipeline(KafkaStack stack) throws Exception {
    pipeline = new Pipeline(stack);
    gateway = pipeline.startGateway("e2e-1");
    // SYMBOL2 always fails, so the Error path is exercised by a real worker.
    pipeline.startWorker("in-jvm-1", Map.of("TASK_SYMBOL2", "failing", "TASK_SYMBOL3", "simulated", "SIMULATED_TASK_MS", "20"));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    client = new PipelineClient(channel, 60);
  }

  @AfterAll
  void stopPipeline() throws Exception {
    channel.shutdownNow();
    pipeline.close();
  }

  @Test
  void initWithPersistenceStreamsPendingProcessingSuccess() {
    List<statusenum> seen = new CopyOnWriteArrayList<>();
    JobUpdate last = client.submitAndFollow(new JobRequest(taskenum.SYMBOL1, true, "metadata", "2023-04-26:2023-04-28"),
        null, update -> seen.add(update.status()));

    assertThat(last.status()).isEqualTo(statusenum.Success);
    assertThat(last.jobId()).matches("[0-9a-f]{64}");
    assertThat(seen).containsExactly(statusenum.Pending, statusenum.Processing, statusenum.Success);
  }

  @Test
  void failingTaskEndsInErrorWithItsReasonOnTheStatusTopic() {
    JobUpdate last = client.submitAndFollow(new JobRequest(taskenum.SYMBOL2, null, null, "2023-01-01"), null, u -> { });

    assertThat(last.status()).isEqualTo(statusenum.Error);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(pipeline.statusEvents()).filteredOn(e -> e.getJobId().equals(last.jobId()) && e.getStatus() == JobState.Error)
            .singleElement().satisfies(e -> assertThat(e.getErrorReason()).contains("simulated failure")));
  }

  @Test
  void monitorThroughASecondGatewayGivesTheSameAnswers() throws Exception {
    JobUpdate done = client.submitAndFollow(new JobRequest(taskenum.SYMBOL1, true, "x", "2024-02-29"), null, u -> { });
    Gateway second = pipeline.startGateway("e2e-2");
    ManagedChannel secondChannel = NettyChannelBuilder.forAddress("127.0.0.1", second.port()).usePlaintext().build();
    try {
      PipelineClient secondClient = new PipelineClient(secondChannel, 30);
      assertThat(secondClient.monitor(done.jobId())).isEqualTo(client.monitor(done.jobId())).isEqualTo(done);

      // A job submitted through one replica is followed to the end through the other.
      JobUpdate pending = client.submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null);
      assertThat(secondClient.follow(pending.jobId(), u -> { }).status()).isEqualTo(statusenum.Success);
    } finally {
      secondChannel.shutdownNow();
      second.close();
    }
  }

  @Test
  void afterAGatewayRestartMonitorOfAnOldJobStillAnswers() throws Exception {
    JobUpdate done = client.submitAndFollow(new JobRequest(taskenum.SYMBOL3, null, null, null), null, u -> { });
    Gateway first = pipeline.startGateway("e2e-restart");
    first.close();
    Gateway restarted = pipeline.startGateway("e2e-restart"); // same instance id: fences its predecessor
    ManagedChannel restartedChannel = NettyChannelBuilder.forAddress("127.0.0.1", restarted.port()).usePlaintext().build();
    try {
      assertThat(restarted.viewLoader().isCaughtUp()).isTrue();
      assertThat(new PipelineClient(restartedChannel, 30).monitor(done.jobId()).status()).isEqualTo(statusenum.Success);
    } finally {
      restartedChannel.shutdownNow();
      restarted.close();
    }
  }

  @Test
  void monitorAnswersPerProtocolForMissingAndUnknownHashes() {
    String unknown = "f".repeat(64);
    assertThatThrownBy(() -> client.monitor(unknown))
        .isInstanceOfSatisfying(PipelineClientException.JobNotFound.class,
            e -> assertThat(e.getMessage()).contains("NOT_FOUND").contains(unknown));
    assertThat(client.monitor(null).status()).isEqualTo(statusenum.Error);
  }

  @Test
  void zeroByteAndMalformedMessagesAreInvalidArgumentAndTheGatewayKeepsServing() {
    for (byte[] bad : List.of(new byte[0], new byte[] {0x00, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10}, new byte[] {0x02, 0x02, 0x08})) {
      for (String method : List.of(TemplateApi.INIT_METHOD, TemplateApi.MONITOR_METHOD)) {
        assertThatThrownBy(() -> rawCall(method, bad))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
    }
    assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void oversizedMessageIsResourceExhausted() {
    byte[] huge = new byte[(1 << 20) + 10];
    assertThatThrownBy(() -> rawCall(TemplateApi.INIT_METHOD, huge))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void theRequestSchemaIsAlsoUnderTheSubjectThePythonTemplatesPipelineCodeFetches() {
    org.scix.pipeline.schemas.registry.SchemaRegistryClient registry = new org.scix.pipeline.schemas.registry.SchemaRegistryClient(
        org.scix.pipeline.schemas.registry.RegistryConfig.of(pipeline.stack.schemaRegistryUrl()));
    assertThat(registry.getLatest("TEMPLATEInputSchema").schema()).isEqualTo(registry.getLatest("TemplateInputSchema").schema());
  }

  @Test
  void aClientBuiltFromTheAvscAloneGetsTheProtocolBytesBack() throws Exception {
    // As the Python client does: schema from the registry's root-path subject, generic records, raw bytes.
    Schema schema = new org.scix.pipeline.schemas.registry.SchemaRegistryClient(
        org.scix.pipeline.schemas.registry.RegistryConfig.of(pipeline.stack.schemaRegistryUrl()))
        .getLatest("TemplateInputSchema").schema();
    GenericRecord args = new GenericData.Record(schema.getField("task_args").schema());
    args.put("ingest", true);
    args.put("ingest_type", "metadata");
    args.put("daterange", "2023-04-26");
    args.put("persistence", false);
    GenericRecord request = new GenericData.Record(schema);
    request.put("hash", null);
    request.put("id", null);
    request.put("task", new GenericData.EnumSymbol(schema.getField("task").schema(), "SYMBOL1"));
    request.put("status", null);
    request.put("task_args", args);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(request, encoder);
    byte[] requestBytes = out.toByteArray();
    assertThat(HexFormat.of().formatHex(requestBytes)).isEqualTo("02020000020102106d657461646174610214323032332d30342d32360000");

    List<byte[]> answers = rawCall(TemplateApi.INIT_METHOD, requestBytes);

    assertThat(answers).hasSize(1);
    byte[] answer = answers.get(0);
    assertThat(HexFormat.of().formatHex(answer, 0, 3)).isEqualTo("008001");
    assertThat(new String(answer, 3, 64, StandardCharsets.US_ASCII)).matches("[0-9a-f]{64}");
    assertThat(HexFormat.of().formatHex(answer, 67, answer.length))
        .isEqualTo("0200" + "0200" + "020102106d65746164617461" + "0214323032332d30342d3236" + "02");
  }

  @Test
  void twoWorkerProcessesInOneGroupBothTakeJobs(KafkaStack stack) throws Exception {
    Pipeline own = new Pipeline(stack);
    try (own) {
      Gateway ownGateway = own.startGateway("e2e-procs");
      own.startWorkerProcess("proc-a", Map.of(TaskSettings.SIMULATE_ALL_MS, "50"));
      own.startWorkerProcess("proc-b", Map.of(TaskSettings.SIMULATE_ALL_MS, "50"));
      ManagedChannel ownChannel = NettyChannelBuilder.forAddress("127.0.0.1", ownGateway.port()).usePlaintext().build();
      try {
        PipelineClient ownClient = new PipelineClient(ownChannel, 120);
        // Let both processes join before the burst, so the work is spread.
        await().atMost(Duration.ofSeconds(60)).until(() -> jobsRunBy(own, ownClient).size() >= 2);
      } finally {
        ownChannel.shutdownNow();
      }
      Set<String> workers = own.statusEvents().stream().filter(e -> e.getStatus() == JobState.Success)
          .map(JobStatus::getWorker).collect(Collectors.toSet());
      assertThat(workers).contains("worker-proc-a", "worker-proc-b");
    }
  }

  /** Submits a burst of jobs, waits for all to succeed, returns who ran them. */
  private static Set<String> jobsRunBy(Pipeline pipeline, PipelineClient client) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<JobUpdate>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(pool.submit(() -> client.submitAndFollow(new JobRequest(taskenum.SYMBOL3, null, null, null), null, u -> { })));
      }
      for (Future<JobUpdate> result : results) {
        assertThat(result.get().status()).isEqualTo(statusenum.Success);
      }
    } finally {
      pool.shutdownNow();
    }
    return pipeline.statusEvents().stream().filter(e -> e.getStatus() == JobState.Success)
        .map(JobStatus::getWorker).collect(Collectors.toSet());
  }

  private List<byte[]> rawCall(String method, byte[] request) {
    List<byte[]> answers = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel,
            TemplateApi.serverStreaming(method, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            CallOptions.DEFAULT.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS), request)
        .forEachRemaining(answers::add);
    return answers;
  }
}
