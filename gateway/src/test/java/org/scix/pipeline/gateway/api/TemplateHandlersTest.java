package org.scix.pipeline.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.interceptors.CallMetadata;
import org.scix.pipeline.gateway.interceptors.ConnectionCallLimit;
import org.scix.pipeline.gateway.interceptors.RpcMetrics;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.status.StatusViews;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.TestSubmitters;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.testing.ManualClock;

/** The handlers over in-process gRPC with Kafka's MockProducer: answers, codes, ordering. */
class TemplateHandlersTest {
  private static final byte[] INIT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360000");
  private static final byte[] INIT_PERSISTENT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360001");

  private final SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
  private final StatusView view = StatusView.inMemory();
  private MockProducer<String, Object> producer;
  private JobSubmitter submitter;
  private TemplateHandlers handlers;
  private Server server;
  private ManagedChannel channel;

  private final ManualClock clock = new ManualClock(1_000_000_000L);
  private StatusViewSync viewSync = new StatusViewSync() { // a view fed directly by the test is always current
    @Override
    public boolean isCaughtUp() {
      return true;
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> sync() {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
  };
  private int maxCallsPerConnection = 100;

  private void start(boolean autoComplete, boolean failCommits) throws Exception {
    start(autoComplete, failCommits ? new KafkaException("broker down") : null);
  }

  private void start(boolean autoComplete, RuntimeException commitFailure) throws Exception {
    Serializer<Object> noop = (topic, data) -> new byte[0];
    producer = new MockProducer<>(autoComplete, null, new StringSerializer(), noop);
    producer.commitTransactionException = commitFailure;
    submitter = TestSubmitters.create(TopicSettings.from(Settings.of(java.util.Map.of())), () -> (Producer<String, Object>) producer);
    submitter.start();
    handlers = new TemplateHandlers(codec, submitter, view, viewSync,
        new ApiSettings(Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofDays(1)), clock);
    String name = InProcessServerBuilder.generateName();
    ConnectionCallLimit limit = new ConnectionCallLimit(maxCallsPerConnection);
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(TemplateServices.init(handlers), new CallMetadata(), new RpcMetrics(new SimpleMeterRegistry()), limit))
        .addService(ServerInterceptors.intercept(TemplateServices.monitor(handlers), new CallMetadata(), limit))
        .addService(ServerInterceptors.intercept(TemplateServices.cancel(handlers), new CallMetadata()))
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
  void aDelayedInitPutsTheJobOnTheDelayedTopicWithItsDueTimeAndItsPendingTogether() throws Exception {
    start(true, false);
    java.time.Instant due = clock.instant().plusSeconds(5);
    List<byte[]> answers = callWithHeader(INIT, TemplateApi.RUN_AT_HEADER, due.toString());

    String jobId = codec.decode(answers.get(0)).getHash();
    assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("TEMPLATEInput.delayed", "TEMPLATEStatus");
    var waiting = producer.history().get(0);
    assertThat(waiting.key()).isEqualTo(jobId);
    assertThat(waiting.partition()).isEqualTo(org.scix.pipeline.core.kafka.DelayedRecords.partitionFor(jobId, 8));
    assertThat(org.scix.pipeline.core.kafka.DelayedRecords.dueAt(waiting.headers())).isEqualTo(due.toEpochMilli());
  }

  @Test
  void aRunAtThatIsUnparsablePastOrTooFarAheadIsInvalidArgumentNamingTheFieldAndWritesNothing() throws Exception {
    start(true, false);
    java.time.Instant now = clock.instant();
    for (String runAt : List.of("tomorrow", now.minusSeconds(60).toString(), now.plus(Duration.ofDays(2)).toString())) {
      assertThatThrownBy(() -> callWithHeader(INIT, TemplateApi.RUN_AT_HEADER, runAt))
          .as(runAt)
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).startsWith("run-at");
          });
    }
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aBulkInitGoesToTheBulkInputTopicAndAnUnknownPriorityIsRefusedByName() throws Exception {
    start(true, false);
    callWithHeader(INIT, TemplateApi.PRIORITY_HEADER, "bulk");
    assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("TEMPLATEInput.bulk", "TEMPLATEStatus");

    assertThatThrownBy(() -> callWithHeader(INIT, TemplateApi.PRIORITY_HEADER, "urgent"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("priority");
        });
    assertThat(producer.history()).hasSize(2);
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
  void initWhoseCommitOutcomeIsUnknownAnswersDeadlineExceededNamingTheJob() throws Exception {
    start(true, new TimeoutException("coordinator did not answer"));
    assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, INIT))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).containsPattern("job [0-9a-f]{64} may have been accepted").contains("Monitor");
        });
  }

  @Test
  void aJobLargerThanKafkaTakesIsResourceExhaustedForItsCallerAlone() throws Exception {
    start(true, false);
    TemplateInput huge = codec.decode(INIT);
    huge.getTaskArgs().setIngestType("x".repeat(1_100_000));
    assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, codec.encode(huge)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("Kafka takes records of at most");
        });
    assertThat(call(TemplateApi.INIT_METHOD, INIT)).hasSize(1);
    assertThat(producer.history()).hasSize(2); // only the second job and its Pending
  }

  @Test
  void aFencedSubmitterRefusesJobsAndReportsKafkaUnreachable() throws Exception {
    start(true, (RuntimeException) null);
    producer.fenceProducer();
    assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, INIT))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("fenced");
        });
    assertThat(submitter.isKafkaReachable()).isFalse();
    assertThatThrownBy(() -> call(TemplateApi.INIT_METHOD, INIT)) // no second producer fences its twin back
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
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
    StatusViews.apply(view, jobId, JobState.Pending);
    StatusViews.apply(view, jobId, JobState.Processing);
    StatusViews.apply(view, jobId, JobState.Pending); // late duplicate: ignored
    StatusViews.apply(view, jobId, JobState.Success);
    StatusViews.apply(view, jobId, JobState.Error);   // after terminal: ignored
    List<String> rest = new ArrayList<>();
    responses.forEachRemaining(bytes -> rest.add(codec.decode(bytes).getStatus().name()));

    assertThat(rest).containsExactly("Processing", "Success");
  }

  /**
   * A Monitor stream that asked for progress ({@code progress: true}) gets each new progress of the
   * running job, every message being the seed bytes plus the progress field; one that did not gets
   * the seed bytes only, and no message for progress.
   */
  @Test
  void aMonitorStreamThatAskedForProgressGetsEachNewProgressAndOthersGetTheSeedBytesOnly() throws Exception {
    start(true, false);
    String jobId = codec.decode(call(TemplateApi.INIT_METHOD, INIT).get(0)).getHash();
    StatusViews.apply(view, jobId, JobState.Processing);
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of(TemplateApi.PROGRESS_HEADER, io.grpc.Metadata.ASCII_STRING_MARSHALLER), "true");
    io.grpc.Channel asking = io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    var withProgress = ClientCalls.blockingServerStreamingCall(asking, method(TemplateApi.MONITOR_METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), monitorRequest(jobId, true));
    var plain = ClientCalls.blockingServerStreamingCall(channel, method(TemplateApi.MONITOR_METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), monitorRequest(jobId, true));
    byte[] first = withProgress.next();
    byte[] seedProcessing = plain.next();
    assertThat(first).as("the seed message, then a null progress").isEqualTo(concat(seedProcessing, new byte[] {0}));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> view.listenerCount(jobId) == 2);

    // Read as it comes: a stream holds one unsent message, the newest (a slow reader skips progress, never the end).
    List<String> seen = new ArrayList<>();
    StatusViews.progress(view, jobId, 1, 3);
    seen.add(progressOf(withProgress.next(), seedProcessing.length));
    StatusViews.progress(view, jobId, 2, 3);
    seen.add(progressOf(withProgress.next(), seedProcessing.length));
    StatusViews.apply(view, jobId, JobState.Success);
    withProgress.forEachRemaining(bytes -> seen.add(progressOf(bytes, seedProcessing.length)));
    List<byte[]> plainRest = new ArrayList<>();
    plain.forEachRemaining(plainRest::add);

    assertThat(seen).containsExactly("1/3", "2/3", "end");
    assertThat(plainRest).hasSize(1); // Success only: progress is no message of its own there
    assertThat(codec.decode(plainRest.get(0)).getStatus().name()).isEqualTo("Success");
  }

  /** The progress field after a TemplateInput message of {@code seedLength} bytes (Processing or Success: same length): done/total, or "end". */
  private static String progressOf(byte[] message, int seedLength) {
    try {
      var in = org.apache.avro.io.DecoderFactory.get().binaryDecoder(message, seedLength, message.length - seedLength, null);
      if (in.readIndex() == 0) {
        return "end";
      }
      return in.readLong() + "/" + in.readLong();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
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

  /**
   * A seeded mutator over the PROTOCOL.md vectors (byte flips, truncation, appended and wholly
   * random bytes) through the Init and Monitor handlers: 100,000 calls, every answer OK or a
   * precise client error, never INTERNAL or UNKNOWN, and the gateway still serves afterwards.
   */
  @Test
  void fuzzedRequestsAreAnsweredWithClientErrorsNeverInternalOrUnknown() throws Exception {
    start(true, false);
    StatusViews.apply(view, "a".repeat(64), JobState.Processing);
    List<byte[]> seeds = List.of(INIT, INIT_PERSISTENT, monitorRequest("a".repeat(64), false), monitorRequest("a".repeat(64), true));
    java.util.Random random = new java.util.Random(7);
    java.util.Map<Status.Code, Integer> codes = new java.util.EnumMap<>(Status.Code.class);
    for (int i = 0; i < 100_000; i++) {
      byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
      String method = random.nextBoolean() ? TemplateApi.INIT_METHOD : TemplateApi.MONITOR_METHOD;
      Status.Code code = firstAnswerCode(method, input);
      codes.merge(code, 1, Integer::sum);
      assertThat(code).as("%s %s", method, HexFormat.of().formatHex(input))
          .isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);
    }
    assertThat(codes).containsKeys(Status.Code.OK, Status.Code.INVALID_ARGUMENT); // the mutator reaches both sides
    assertThat(call(TemplateApi.INIT_METHOD, INIT)).hasSize(1);
  }

  private static byte[] mutate(byte[] seed, java.util.Random random) {
    byte[] input = seed.clone();
    switch (random.nextInt(5)) {
      case 0, 1 -> {
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          input[random.nextInt(input.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> input = java.util.Arrays.copyOf(input, random.nextInt(input.length));
      case 3 -> {
        input = java.util.Arrays.copyOf(input, input.length + 1 + random.nextInt(8));
        input[input.length - 1] = (byte) random.nextInt(256);
      }
      default -> {
        input = new byte[random.nextInt(64)];
        random.nextBytes(input);
      }
    }
    return input;
  }

  /** The code of a call, reading only its first answer (a persistent call would otherwise stay open). */
  private Status.Code firstAnswerCode(String method, byte[] request) {
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    try {
      return context.call(() -> {
        var answers = ClientCalls.blockingServerStreamingCall(channel, method(method),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
        try {
          answers.hasNext();
          return Status.Code.OK;
        } catch (StatusRuntimeException e) {
          return e.getStatus().getCode();
        }
      });
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      context.cancel(null);
    }
  }

  @Test
  void monitorOfAJobThisReplicaHasNotReadYetWaitsForTheStatusTopicInsteadOfNotFound() throws Exception {
    String jobId = "b".repeat(64);
    // Another replica accepted the job; this one learns of it only by reading to the topic's end.
    viewSync = new StatusViewSync() {
      @Override
      public boolean isCaughtUp() {
        return true;
      }

      @Override
      public java.util.concurrent.CompletableFuture<Void> sync() {
        return java.util.concurrent.CompletableFuture.runAsync(() -> StatusViews.apply(view, jobId, JobState.Processing));
      }
    };
    start(true, false);

    List<byte[]> answers = call(TemplateApi.MONITOR_METHOD, monitorRequest(jobId, false));

    assertThat(answers).singleElement().satisfies(a -> assertThat(codec.decode(a).getStatus().name()).isEqualTo("Processing"));
  }

  /**
   * The caller gives up while the gateway is still looking the job up (read barrier pending). The
   * stream created when the lookup completes must not stay registered as open: before the fix it
   * was registered after its cancel hook had already run, and leaked with its call.
   */
  @Test
  void aStreamWhoseCallerLeftDuringTheLookupIsNotLeftOpen() throws Exception {
    String jobId = "c".repeat(64);
    CompletableFuture<Void> barrier = new CompletableFuture<>();
    viewSync = new StatusViewSync() {
      @Override
      public boolean isCaughtUp() {
        return true;
      }

      @Override
      public CompletableFuture<Void> sync() {
        return barrier;
      }
    };
    start(true, false);
    ClientCall<byte[], byte[]> call = channel.newCall(method(TemplateApi.MONITOR_METHOD), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() { }, new io.grpc.Metadata());
    call.sendMessage(monitorRequest(jobId, true));
    call.halfClose();
    call.request(10);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> barrier.getNumberOfDependents() > 0);

    call.cancel("caller left", null);
    StatusViews.apply(view, jobId, JobState.Processing); // the barrier finds the job: the handler now answers with a stream
    barrier.complete(null);

    assertThat(handlers.openStreams()).isZero();
  }

  @Test
  void aRepeatedIdempotencyKeyWithinTheWindowReturnsTheSameJobAndEnqueuesNothing() throws Exception {
    start(true, false);
    String first = codec.decode(callWithKey(INIT, "order-42").get(0)).getHash();
    StatusViews.apply(view, first, JobState.Pending); // what the view reads back from the status topic
    clock.advance(Duration.ofSeconds(59)); // into the next window, within one window length

    String repeat = codec.decode(callWithKey(INIT, "order-42").get(0)).getHash();
    String otherKey = codec.decode(callWithKey(INIT, "order-43").get(0)).getHash();

    assertThat(repeat).isEqualTo(first);
    assertThat(otherKey).isNotEqualTo(first);
    assertThat(producer.history()).hasSize(4); // job + Pending for order-42 and for order-43 only
  }

  /** At a window's edge, a replica whose clock runs ahead derives the next window's id; this one must still find it. */
  @Test
  void aKeyFirstUsedOnAReplicaWhoseClockRunsAheadMapsToThatSameJob() throws Exception {
    start(true, false);
    long window = clock.millis() / Duration.ofMinutes(1).toMillis();
    String fromTheFastReplica = JobIds.forIdempotencyKey("order-7", window + 1);
    StatusViews.apply(view, fromTheFastReplica, JobState.Pending);

    String answered = codec.decode(callWithKey(INIT, "order-7").get(0)).getHash();

    assertThat(answered).isEqualTo(fromTheFastReplica);
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void anIdempotencyKeyAfterTwoWindowsMakesANewJob() throws Exception {
    start(true, false);
    String first = codec.decode(callWithKey(INIT, "order-42").get(0)).getHash();
    StatusViews.apply(view, first, JobState.Success);
    clock.advance(Duration.ofMinutes(2));

    assertThat(codec.decode(callWithKey(INIT, "order-42").get(0)).getHash()).isNotEqualTo(first);
    assertThatThrownBy(() -> callWithKey(INIT, "k".repeat(300)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void cancelOfARunningJobRequestsItOnTheJobsPartitionAndAnswersTheTerminalStatus() throws Exception {
    start(true, false);
    String jobId = "c".repeat(64);
    StatusViews.apply(view, jobId, JobState.Processing);
    var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> unary(TemplateApi.CANCEL_METHOD, monitorRequest(jobId, false)));
    // Out of band on the control topic, and in band behind the job on its partition.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 2);
    StatusViews.apply(view, jobId, JobState.Error); // the worker's Error (cancelled), read back from the status topic

    assertThat(codec.decode(answer.get(5, TimeUnit.SECONDS)).getStatus().name()).isEqualTo("Error");
    assertThat(producer.history().get(0).key()).isEqualTo("job/" + jobId + "/cancelled");
    var cancel = producer.history().get(1);
    assertThat(cancel.topic()).isEqualTo("TEMPLATEInput");
    assertThat(cancel.key()).isEqualTo(jobId);
    assertThat(new String(cancel.headers().lastHeader("pipeline.control").value())).isEqualTo("cancel");
  }

  @Test
  void cancelOfAFinishedJobChangesNothingAndOfAnUnknownJobIsNotFound() throws Exception {
    start(true, false);
    String done = "d".repeat(64);
    StatusViews.apply(view, done, JobState.Success);

    assertThat(codec.decode(unary(TemplateApi.CANCEL_METHOD, monitorRequest(done, false))).getStatus().name()).isEqualTo("Success");
    assertThat(producer.history()).isEmpty();
    assertThatThrownBy(() -> unary(TemplateApi.CANCEL_METHOD, monitorRequest("e".repeat(64), false)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> unary(TemplateApi.CANCEL_METHOD, new byte[0]))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void callsOverTheConnectionLimitAreResourceExhaustedAndOthersKeepWorking() throws Exception {
    maxCallsPerConnection = 2;
    start(true, false);
    String jobId = "f".repeat(64);
    StatusViews.apply(view, jobId, JobState.Processing);
    var open = new ArrayList<java.util.Iterator<byte[]>>();
    for (int i = 0; i < 2; i++) {
      var stream = ClientCalls.blockingServerStreamingCall(channel, method(TemplateApi.MONITOR_METHOD),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), monitorRequest(jobId, true));
      stream.next(); // the current status: the stream is open
      open.add(stream);
    }

    assertThatThrownBy(() -> call(TemplateApi.MONITOR_METHOD, monitorRequest(jobId, false)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    StatusViews.apply(view, jobId, JobState.Success); // both streams end
    open.forEach(stream -> stream.forEachRemaining(bytes -> { }));
    assertThat(call(TemplateApi.MONITOR_METHOD, monitorRequest(jobId, false))).hasSize(1);
  }

  private byte[] monitorRequest(String jobId, boolean persistence) {
    TemplateInput request = codec.decode(INIT);
    request.setHash(jobId);
    request.setTask(org.scix.pipeline.schemas.input.taskenum.MONITOR);
    request.getTaskArgs().setPersistence(persistence);
    return codec.encode(request);
  }

  private List<byte[]> callWithKey(byte[] request, String idempotencyKey) {
    return callWithHeader(request, "idempotency-key", idempotencyKey);
  }

  private List<byte[]> callWithHeader(byte[] request, String name, String value) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER), value);
    io.grpc.Channel keyed = io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    List<byte[]> answers = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(keyed, method(TemplateApi.INIT_METHOD), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request)
        .forEachRemaining(answers::add);
    return answers;
  }

  private byte[] unary(String method, byte[] request) {
    return ClientCalls.blockingUnaryCall(channel, TemplateApi.unary(method, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
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
