package org.scix.pipeline.gateway;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TopicAdmin;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.kafka.TransactionalWriter.ProducerSettings;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.lifecycle.Closer;
import org.scix.pipeline.core.ops.Metrics;
import org.scix.pipeline.core.ops.OpsHttpServer;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.gateway.api.TemplateHandlers;
import org.scix.pipeline.gateway.api.TemplateServices;
import org.scix.pipeline.gateway.api.BlockingCalls;
import org.scix.pipeline.gateway.batches.BatchService;
import org.scix.pipeline.gateway.batches.BatchTransactions;
import org.scix.pipeline.gateway.batches.Batches;
import org.scix.pipeline.gateway.dashboard.DashboardServer;
import org.scix.pipeline.gateway.lookup.JobOutputsService;
import org.scix.pipeline.gateway.lookup.LocatedOutputs;
import org.scix.pipeline.gateway.lookup.OutputsByJob;
import org.scix.pipeline.gateway.schedules.ScheduleAdmin;
import org.scix.pipeline.gateway.schedules.ScheduleCatalog;
import org.scix.pipeline.gateway.schedules.ScheduleService;
import org.scix.pipeline.gateway.delayed.DelayedPartitions;
import org.scix.pipeline.gateway.delayed.WaitingJobs;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.interceptors.CallMetadata;
import org.scix.pipeline.gateway.interceptors.ConnectionCallLimit;
import org.scix.pipeline.gateway.interceptors.RpcMetrics;
import org.scix.pipeline.gateway.audit.AuditLog;
import org.scix.pipeline.gateway.jobsapi.JobsHttpApi;
import org.scix.pipeline.gateway.tasks.TaskAdmin;
import org.scix.pipeline.gateway.tasks.TaskService;
import org.scix.pipeline.gateway.owned.OwnedPartitions;
import org.scix.pipeline.gateway.owned.OwnedTopic;
import org.scix.pipeline.gateway.schedules.Schedules;
import org.scix.pipeline.gateway.status.JobRetention;
import org.scix.pipeline.gateway.status.JobStore;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.scix.pipeline.gateway.status.StalePendingRepair;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewLoader;
import org.scix.pipeline.gateway.submit.CancelSweep;
import org.scix.pipeline.gateway.submit.JobRecords;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.RetiredLanes;
import org.scix.pipeline.schemas.SeedSchemas;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.registry.RegisteredSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's composition root: {@link #start} builds every part, complete, in dependency order
 * (registry and topics, the status view and its reader, the submitter, the gRPC server, the ops
 * endpoint and the dashboard), each registered with a {@link Closer} so {@link #close} stops them
 * in reverse order, once, and a start that fails halfway closes what it had built. Health moves
 * NOT_SERVING -> SERVING (view caught up and Kafka reachable) -> NOT_SERVING (shutdown begins).
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration GATEWAY_CONTROL_POLL_WAIT = Duration.ofSeconds(1);
  /** A cancel of an ended job is tombstoned by the sweep once this old (the worker ending a job tombstones its cancel first). */
  private static final Duration CANCEL_SWEEP_MIN_AGE = Duration.ofSeconds(30);
  /** How long a Pending this replica wrote is kept for the reader to meet it (its transaction's outcome was unknown). */
  private static final Duration OWN_PENDINGS_MAX_AGE = Duration.ofMinutes(10);

  private final GatewayConfig config;
  private final PrometheusMeterRegistry metrics = Metrics.newRegistry("gateway");
  private final Closer closer = new Closer();
  private final AtomicBoolean assembled = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final GatewayHealth health = new GatewayHealth(this::isServing);
  private final StatusView view;
  private final StatusViewLoader loader;
  private final JobSubmitter submitter;
  private final TemplateHandlers handlers;
  private final BatchService batchService;
  private final ScheduleService scheduleService;
  private final TaskService taskService;
  private final OutputsByJob outputsByJob;
  private final JobOutputsService jobOutputsService;
  private final Server server;
  private final Optional<OpsHttpServer> ops;
  private final Optional<DashboardServer> dashboard;

  /** Builds and starts a gateway; on failure, whatever was started is closed again. */
  public static Gateway start(GatewayConfig config) throws IOException {
    return new Gateway(config);
  }

  private Gateway(GatewayConfig config) throws IOException {
    this.config = config;
    try {
      PipelineSerdes serdes = new PipelineSerdes(config.kafka());
      SchemalessAvroCodec<TemplateInput> codec = requestCodec(serdes);
      TopicAdmin.ensureTopics(config.kafka(), config.topics(), ADMIN_TIMEOUT);
      RetiredLanes.fence(config.kafka(), config.instanceId(), config.submitter().lanes(), ADMIN_TIMEOUT);

      view = openView();
      Producer<String, byte[]> tombstones = closer.register("retention and repair producer", new KafkaProducer<>(tombstoneProducerConfig(),
          new StringSerializer(), new ByteArraySerializer()));
      OwnPendings ownPendings = new OwnPendings(OWN_PENDINGS_MAX_AGE);
      JobRetention retention = new JobRetention(view, tombstones, config.topics().status(), config.statusView().retention(),
          Clock.systemUTC(), metrics);
      loader = new StatusViewLoader(view, config.kafka(), config.topics().status(), serdes, "scix-gateway-view-" + config.instanceId(),
          config.statusView().maxStall(), new StatusViewLoader.Hooks(health::changed, ownPendings, retention,
              new StalePendingRepair(tombstones, config.topics().status(), serdes.recordValues(), metrics)), metrics);
      closer.register("status reader", loader::stop);

      // The gateway only answers what the control topic says (a record ends a poll at once), and
      // never gates a start on how fresh it is: a long idle poll costs less than the workers' 100 ms.
      ControlState controls = new ControlState(TopicReader.newConsumer(config.kafka(), "scix-gateway-control-" + config.instanceId()),
          config.topics().control(), GATEWAY_CONTROL_POLL_WAIT);
      closer.register("control topic reader", controls);
      controls.start(ADMIN_TIMEOUT);
      // Kept current by the owned-work thread, which sees partitions added to the delayed topic.
      DelayedPartitions delayedPartitions = new DelayedPartitions(
          TopicAdmin.partitionCount(config.kafka(), config.topics().delayed(), ADMIN_TIMEOUT));
      JobRecords records = new JobRecords(config.topics(), serdes.recordValues(), RecordSizeLimit.of(config.kafka()),
          "gateway-" + config.instanceId(), delayedPartitions::count);
      submitter = closer.register("submitter", new JobSubmitter(records,
          (lane, keepTrying) -> TransactionalWriter.create(config.kafka(), producerSettings(lane), serdes.recordValues(), keepTrying),
          config.submitter(), ownPendings, health::changed, metrics));
      submitter.start();
      loader.start();
      startOwnedWork(serdes, delayedPartitions);

      handlers = new TemplateHandlers(codec, submitter, view, loader, config.api(), Clock.systemUTC());
      Batches batches = startBatches(records, serdes);
      BlockingCalls blockingCalls = closer.register("blocking gRPC calls",
          new BlockingCalls(Executors.newFixedThreadPool(4, Threads.daemonFactory("blocking-calls"))));
      batchService = new BatchService(batches, blockingCalls, config.batches());
      ScheduleAdmin schedules = new ScheduleAdmin(new ScheduleCatalog(config.kafka(), config.topics().schedules(),
          "scix-gateway-schedules-" + config.instanceId(), Clock.systemUTC()), submitter, config.topics().schedules(),
          TopicAdmin.partitionCount(config.kafka(), config.topics().schedules(), ADMIN_TIMEOUT));
      scheduleService = new ScheduleService(schedules, blockingCalls);
      AuditLog audit = new AuditLog(submitter, config.kafka(), config.topics().audit(), "scix-gateway-audit-" + config.instanceId(),
          Clock.systemUTC());
      TaskAdmin tasks = new TaskAdmin(controls, submitter, audit, config.topics().control(), Clock.systemUTC());
      taskService = new TaskService(tasks, blockingCalls);
      outputsByJob = closer.register("outputs by job", new OutputsByJob(view, loader, config.api().syncTimeout(),
          new LocatedOutputs(config.kafka(), config.topics().output(), "scix-gateway-outputs-" + config.instanceId()),
          serdes.deserializer(TemplateOutput.class)));
      jobOutputsService = new JobOutputsService(outputsByJob, blockingCalls);
      metrics.gauge("pipeline.streams.open", handlers, TemplateHandlers::openStreams);
      server = startGrpcServer();
      closer.register("gRPC server", this::drainGrpcServer);
      ops = config.opsPort() > 0 ? Optional.of(closer.register("ops endpoint", startOps())) : Optional.empty();
      dashboard = config.dashboard().enabled()
          ? Optional.of(closer.register("dashboard", DashboardServer.start(config, view, loader, submitter, batches,
              schedules, tasks, audit, outputsByJob, serdes)))
          : Optional.empty();

      ScheduledExecutorService stallWatch = Executors.newSingleThreadScheduledExecutor(Threads.daemonFactory("gateway-stall-watch"));
      closer.register("stall watch", stallWatch::shutdownNow);
      // Health follows events as they happen; a stalled reader is the one state only time reveals.
      // The same timer sweeps the control topic's cancels of jobs that ended before them.
      stallWatch.scheduleWithFixedDelay(health::changed, 1, 1, TimeUnit.SECONDS);
      stallWatch.scheduleWithFixedDelay(new CancelSweep(controls::cancelledJobs, view::status, submitter, config.topics().control(),
          Clock.systemUTC(), CANCEL_SWEEP_MIN_AGE), 30, 30, TimeUnit.SECONDS);
    } catch (IOException | RuntimeException e) {
      closer.close();
      throw e;
    }
    assembled.set(true);
    health.changed();
    log.info("gateway {} listening on port {} ({}), input topic {}, status topic {}", config.instanceId(), port(),
        config.server().security(), config.topics().input(), config.topics().status());
  }

  private Server startGrpcServer() throws IOException {
    RpcMetrics rpcMetrics = new RpcMetrics(metrics);
    CallMetadata callMetadata = new CallMetadata();
    // Interceptors run last-listed first: the connection limit answers before anything else runs.
    ConnectionCallLimit callLimit = new ConnectionCallLimit(config.server().maxConcurrentCallsPerConnection());
    return NettyServerBuilder.forAddress(new InetSocketAddress(config.server().host(), config.server().port()), credentials())
        .addService(ServerInterceptors.intercept(TemplateServices.init(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(TemplateServices.monitor(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(TemplateServices.cancel(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(batchService.definition(), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(scheduleService.definition(), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(taskService.definition(), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(jobOutputsService.definition(), callMetadata, rpcMetrics, callLimit))
        .addService(health.service())
        // Every handler is non-blocking (decode, queue, answer from futures), so calls run on the
        // transport threads; a thread pool would only add hand-offs (measured: docs/benchmarks.md).
        .directExecutor()
        .maxInboundMessageSize(config.server().maxInboundMessageBytes())
        .build()
        .start();
  }

  private OpsHttpServer startOps() throws IOException {
    OpsHttpServer endpoint = new OpsHttpServer("0.0.0.0", config.opsPort(), metrics, () -> !stopping.get() && !submitter.fenced().isDone(),
        this::isServing);
    endpoint.route(JobsHttpApi.PATH, new JobsHttpApi(view, loader, loader::isHealthy, config.api().syncTimeout(), outputsByJob)
        .routes(new HttpRouter(), JobsHttpApi.PATH));
    return endpoint;
  }

  /** No new calls; open streams end UNAVAILABLE (clients re-monitor elsewhere); calls in progress get the grace period. */
  private void drainGrpcServer() {
    server.shutdown();
    handlers.closeOpenStreams();
    try {
      if (!server.awaitTermination(config.server().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * This replica's share of the work one replica at a time does (delayed jobs, schedules): a thread owning
   * partitions of their topics in the replicas' consumer group, stopped (leaving the group) at close.
   */
  private void startOwnedWork(PipelineSerdes serdes, DelayedPartitions delayedPartitions) {
    Map<String, Object> consumerConfig = config.kafka().clientConfig();
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, config.delayed().groupId());
    consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "scix-gateway-owned-" + config.instanceId());
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // A killed replica's work moves to another after this long: it bounds how late a delayed job may run.
    consumerConfig.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    consumerConfig.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    TransactionalWriter writer = TransactionalWriter.create(config.kafka(), ProducerSettings.allBoundedBy(
        JobSubmitter.transactionalId(config.instanceId()) + "-owned", config.submitter().sendDeadline(),
        config.submitter().transactionTimeout()), serdes.recordValues(), () -> !stopping.get());
    String writerName = "gateway-" + config.instanceId();
    List<OwnedTopic> topics = List.of(new WaitingJobs(config.topics(), writerName, metrics, delayedPartitions), new Schedules(config.topics(), writerName, metrics));
    OwnedPartitions owned = new OwnedPartitions(new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer()),
        writer, topics, List.of(config.topics().input(), config.topics().bulkInput(), config.topics().status(), config.topics().delayed(),
            config.topics().schedules()),
        Clock.systemUTC());
    Thread thread = Threads.daemon("owned-work", owned);
    thread.start();
    closer.register("owned work", () -> {
      owned.stop();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /**
   * The batch writer: its own transactional producer ({@code <gateway>-batches}), whose transaction
   * timeout outlasts the longest batch call, so a batch is written whole in one transaction.
   */
  private Batches startBatches(JobRecords records, PipelineSerdes serdes) {
    Duration batchTimeout = config.batches().timeout();
    TransactionalWriter writer = TransactionalWriter.create(config.kafka(), new ProducerSettings(
        JobSubmitter.transactionalId(config.instanceId()) + "-batches", Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofSeconds(30), batchTimeout.plusSeconds(60)), serdes.recordValues(), () -> !stopping.get());
    BatchTransactions transactions = closer.register("batch writer", new BatchTransactions(writer, records, config.topics(),
        config.batches(), metrics));
    transactions.init();
    return new Batches(transactions, view, loader, config.api().syncTimeout(), config.api().idempotencyWindow(), Clock.systemUTC());
  }

  /** The transactional producer of one submit lane: every blocking step bounded by the submit deadline, so a dead broker answers UNAVAILABLE in time. */
  private ProducerSettings producerSettings(int lane) {
    return ProducerSettings.allBoundedBy(JobSubmitter.transactionalId(config.instanceId(), lane), config.submitter().sendDeadline(),
        config.submitter().transactionTimeout());
  }

  /**
   * The status view over its store: in STATUS_STORE_DIR/instance-id when set (a restart resumes
   * from it; replicas sharing the setting still get a store each), else in a temporary directory
   * (a restart reads the whole status topic again). The store is closed only once its reader has
   * stopped (a store still written to stays open: a restart re-reads its unflushed tail).
   */
  private StatusView openView() throws IOException {
    Optional<Path> kept = config.statusView().storeDir().map(parent -> parent.resolve(config.instanceId()));
    Path dir = kept.isPresent() ? kept.get() : Files.createTempDirectory("scix-status-view-");
    if (kept.isEmpty()) {
      closer.register("temporary status store", () -> deleteTemporaryStore(dir));
    }
    String topic = config.topics().status();
    String identity = topic + "/" + TopicAdmin.topicId(config.kafka(), topic, ADMIN_TIMEOUT);
    StatusView opened = new StatusView(JobStore.open(dir, identity), 2, metrics);
    closer.register("status store", () -> {
      if (loaderStopped()) {
        opened.close(); // flushed: a restart resumes from here
      } else {
        log.warn("status reader did not stop in time; the status store is left open (a restart re-reads its unflushed tail)");
      }
    });
    return opened;
  }

  /** Whether the status reader has stopped (or never started: the gateway failed before). */
  private boolean loaderStopped() {
    return loader == null || loader.stop();
  }

  private static void deleteTemporaryStore(Path dir) {
    try {
      JobStore.deleteRecursively(dir);
    } catch (UncheckedIOException e) {
      log.warn("could not delete the temporary status store {}: {}", dir, e.getCause().toString());
    }
  }

  /** Tombstones need no transaction: each is one idempotent write of a job no one writes again. */
  private Map<String, Object> tombstoneProducerConfig() {
    Map<String, Object> producer = new HashMap<>(config.kafka().clientConfig());
    producer.put(ProducerConfig.CLIENT_ID_CONFIG, "scix-gateway-retention-" + config.instanceId());
    producer.put(ProducerConfig.ACKS_CONFIG, "all");
    producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer.put(ProducerConfig.LINGER_MS_CONFIG, 100);
    // Sends run on the status reader's thread: never block it for long on a missing broker.
    producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
    return producer;
  }

  /**
   * Registers the request schema under the subject clients fetch and decodes with whatever is
   * latest there (clients encode with the latest version).
   */
  private static SchemalessAvroCodec<TemplateInput> requestCodec(PipelineSerdes serdes) {
    Schema seed = SeedSchemas.templateInput();
    serdes.registry().register(SeedSchemas.TEMPLATE_INPUT_SUBJECT, seed);
    serdes.registry().register(SeedSchemas.PYTHON_PIPELINE_SUBJECT, seed); // where the Python template's pipeline code looks
    RegisteredSchema latest = serdes.registry().getLatest(SeedSchemas.TEMPLATE_INPUT_SUBJECT);
    try {
      SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class, latest.schema());
      log.info("request schema: subject {} version {} (id {})", latest.subject(), latest.version(), latest.id());
      return codec;
    } catch (RuntimeException e) {
      throw new IllegalStateException("latest schema of subject " + SeedSchemas.TEMPLATE_INPUT_SUBJECT
          + " (version " + latest.version() + ") cannot be read into TemplateInput: " + e.getMessage(), e);
    }
  }

  private ServerCredentials credentials() throws IOException {
    GrpcServerSettings s = config.server();
    if (s.tlsCertFile().isEmpty()) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
        .keyManager(s.tlsCertFile().get().toFile(), s.tlsKeyFile().get().toFile());
    if (s.tlsClientCaFile().isPresent()) {
      tls.trustManager(s.tlsClientCaFile().get().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return tls.build();
  }

  public int port() {
    return server.getPort();
  }

  public boolean isServing() {
    return assembled.get() && !stopping.get() && loader.isHealthy() && submitter.isKafkaReachable();
  }

  public boolean awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (isServing()) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** Completes, with why, if another replica took over this one's instance id: this replica must stop. */
  public CompletableFuture<String> fenced() {
    return submitter.fenced();
  }

  public StatusView view() {
    return view;
  }

  public StatusViewLoader viewLoader() {
    return loader;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /** The dashboard's port, or -1 when it is off. */
  public int dashboardPort() {
    return dashboard.map(DashboardServer::port).orElse(-1);
  }

  public int opsPort() {
    return ops.map(OpsHttpServer::port).orElse(-1);
  }

  /**
   * Graceful stop, once: NOT_SERVING first (load balancers drain), then every part in reverse
   * order of construction: dashboard and ops, the gRPC server (no new calls, open streams ended
   * UNAVAILABLE, calls in progress finished), the submitter (queued submissions finished), the
   * status reader, then the store.
   */
  @Override
  public void close() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    health.stopping();
    closer.close();
    log.info("gateway {} stopped", config.instanceId());
  }
}
