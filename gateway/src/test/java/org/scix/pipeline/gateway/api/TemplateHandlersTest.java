package org.scix.pipeline.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.TestSubmitters;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobState;

/** The handlers over in-process gRPC with Kafka's MockProducer: answers, codes, ordering. */
class TemplateHandlersTest {
  private static final byte[] INIT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360000");
  private static final byte[] INIT_PERSISTENT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360001");

  private final SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
  private final StatusView view = new StatusView();
  private MockProducer<String, Object> producer;
  private JobSubmitter submitter;
  private Server server;
  private ManagedChannel channel;

  private void start(boolean autoComplete, boolean failCommits) throws Exception {
    Serializer<Object> noop = (topic, data) -> new byte[0];
    producer = new MockProducer<>(autoComplete, null, new StringSerializer(), noop);
    if (failCommits) {
      producer.commitTransactionException = new org.apache.kafka.common.errors.TimeoutException("broker down");
    }
    submitter = TestSubmitters.create(TopicSettings.from(Settings.of(java.util.Map.of())), () -> (Producer<String, Object>) producer);
    submitter.start();
    TemplateHandlers handlers = new TemplateHandlers(codec, submitter, view, () -> true, Duration.ofSeconds(2));
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(TemplateServices.init(handlers), new CallMetadata(), new RpcMetrics(new SimpleMeterRegistry())))
        .addService(TemplateServices.monitor(handlers))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    submitter.close();
  }

  @Test
  void initAnswersPendingOnlyAfterTheTransactionCommittedJobAndPendingTogether() throws Exception {
    start(true, false);
    List<byte[]> answers = call(TemplateApi.INIT_METHOD, INIT);

    assertThat(answers).hasSize(1);
    TemplateInput answer = codec.decode(answers.get(0));
    assertThat(answer.getHash()).matches("[0-9a-f]{64}");
    assertThat(answer.getTaskArgs().getPersistence()).isNull();
    assertThat(producer.history()).hasSize(2);
    assertThat(producer.history().get(0).topic()).isEqualTo("TEMPLATEInput");
    assertThat(producer.history().get(1).topic()).isEqualTo("TEMPLATEStatus");
    assertThat(producer.transactionCommitted()).isTrue();
  }

  @Test
  void initAnswersUnavailableWhenKafkaDoesNotCommitAndNothingIsVisible() throws Exception {
    start(true, true);
    assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, INIT))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("broker down");
        });
    assertThat(producer.history()).isEmpty(); // aborted: MockProducer keeps only committed sends
  }

  @Test
  void persistentInitStreamsForwardOnlyAndEndsAtTheTerminalStatus() throws Exception {
    start(true, false);
    var responses = ClientCalls.blockingServerStreamingCall(channel, method(TemplateApi.INIT_METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), INIT_PERSISTENT);
    String jobId = codec.decode(responses.next()).getHash();
    // The stream follows the job right after sending Pending; statuses applied before that are
    // coalesced (latest wins), so wait for the subscription to see each one.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> view.subscriptionCount() == 1);
    view.apply(jobId, JobState.Pending);
    view.apply(jobId, JobState.Processing);
    view.apply(jobId, JobState.Pending); // late duplicate: ignored
    view.apply(jobId, JobState.Success);
    view.apply(jobId, JobState.Error);   // after terminal: ignored
    List<String> rest = new ArrayList<>();
    responses.forEachRemaining(bytes -> rest.add(codec.decode(bytes).getStatus().name()));

    assertThat(rest).containsExactly("Processing", "Success");
  }

  @Test
  void monitorTaskOnInitAndGarbageAreInvalidArgument() throws Exception {
    start(true, false);
    byte[] monitorOnInit = HexFormat.of().parseHex("020206000000000000");
    for (byte[] bad : List.of(new byte[0], monitorOnInit, new byte[] {(byte) 0xff})) {
      assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, bad))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
  }

  @Test
  void monitorOfAnUnknownJobIsNotFoundNamingIt() throws Exception {
    start(true, false);
    byte[] monitor = codec.encode(TemplateInput.newBuilder(codec.decode(INIT)).setHash("a".repeat(64))
        .setTask(org.scix.pipeline.schemas.input.taskenum.MONITOR).build());
    assertThatThrownBy(() -> call(TemplateApi.MONITOR_METHOD, monitor))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("a".repeat(64));
        });
  }

  @Test
  void fuzzedInitRequestsNeverCauseInternalOrUnknown() throws Exception {
    start(true, false);
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2_000; i++) {
      byte[] input = INIT.clone();
      input[random.nextInt(input.length)] = (byte) random.nextInt(256);
      if (random.nextBoolean()) {
        input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 4));
      }
      try {
        call(TemplateApi.INIT_METHOD, input);
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as("input %s", HexFormat.of().formatHex(input))
            .isIn(Status.Code.INVALID_ARGUMENT);
      }
    }
  }

  private List<byte[]> call(String method, byte[] request) {
    List<byte[]> answers = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, method(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request)
        .forEachRemaining(answers::add);
    return answers;
  }

  private static io.grpc.MethodDescriptor<byte[], byte[]> method(String name) {
    return TemplateApi.serverStreaming(name, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE);
  }
}
