package org.scix.pipeline.gateway;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.RecordValueSerializer;
import org.scix.pipeline.core.kafka.TopicAdmin;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.kafka.TransactionalWriter.ProducerSettings;
import org.scix.pipeline.core.ops.Metrics;
import org.scix.pipeline.core.ops.OpsHttpServer;
import org.scix.pipeline.gateway.api.JobsHttpApi;
import org.scix.pipeline.gateway.dashboard.DashboardServer;
import org.scix.pipeline.gateway.dashboard.KafkaJobTopics;
import org.scix.pipeline.gateway.dashboard.KafkaWorkerGroup;
import org.scix.pipeline.gateway.deadletters.DeadLetters;
import org.scix.pipeline.gateway.api.TemplateHandlers;
import org.scix.pipeline.gateway.api.TemplateServices;
import org.scix.pipeline.gateway.interceptors.CallMetadata;
import org.scix.pipeline.gateway.interceptors.ConnectionCallLimit;
import org.scix.pipeline.gateway.interceptors.RpcMetrics;
import org.scix.pipeline.gateway.status.JobRetention;
import org.scix.pipeline.gateway.status.JobStore;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewLoader;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.RetiredLanes;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.schemas.SeedSchemas;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.registry.RegisteredSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the gateway's lifecycle: registry and topics at start, the submitter, the status view,
 * the gRPC server and health, and the order they stop in. Health moves NOT_SERVING -> SERVING
 * (view caught up and Kafka reachable) -> NOT_SERVING (shutdown begins).
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final PrometheusMeterRegistry metrics = Metrics.newRegistry("gateway");
  private final HealthStatusManager health = new HealthStatusManager();
  private StatusView view;
  private Path temporaryStoreDir; // when STATUS_STORE_DIR is not set: deleted at close
  private Producer<String, byte[]> tombstones;
  private final ScheduledExecutorService stallWatch = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "gateway-stall-watch");
    t.setDaemon(true);
    return t;
  });
  private PipelineSerdes serdes;
  private JobSubmitter submitter;
  private StatusViewLoader loader;
  private TemplateHandlers handlers;
  private Server server;
  private OpsHttpServer ops;
  private DashboardServer dashboard;
  private KafkaWorkerGroup workerGroup;
  private KafkaJobTopics jobTopics;
  private DeadLetters deadLetters;
  private volatile boolean stopping;

  public Gateway(GatewayConfig config) {
    this.config = config;
  }

  public Gateway start() throws IOException {
    health.setStatus("", ServingStatus.NOT_SERVING);
    serdes = new PipelineSerdes(config.kafka());
    SchemalessAvroCodec<TemplateInput> codec = requestCodec();
    TopicAdmin.ensureTopics(config.kafka(), config.topics(), Duration.ofSeconds(30));

    RetiredLanes.fence(config.kafka(), config.instanceId(), config.submitLanes(), Duration.ofSeconds(30));

    RecordValueSerializer values = serdes.recordValues();
    SubmitterSettings submitting = new SubmitterSettings(config.instanceId(), config.submitTimeout(),
        RecordSizeLimit.of(config.kafka()), config.submitLanes());
    submitter = new JobSubmitter(config.topics(),
        (s, lane) -> TransactionalWriter.create(config.kafka(), producerSettings(lane), values, s::isRunning), values, submitting, metrics);
    view = openView();
    loader = new StatusViewLoader(view, config.kafka(), config.topics().status(), serdes, "scix-gateway-view-" + config.instanceId(),
        config.statusViewMaxStall(), metrics);
    tombstones = new KafkaProducer<>(tombstoneProducerConfig(), new StringSerializer(), new ByteArraySerializer());
    loader.onEachTurn(new JobRetention(view, tombstones, config.topics().status(), config.jobRetention(), Clock.systemUTC(), metrics));
    // Health follows state changes as they happen: the view catching up or stopping, Kafka lost or regained.
    submitter.onStateChange(this::updateHealth);
    loader.onStateChange(this::updateHealth);
    OwnPendings ownPendings = new OwnPendings(Duration.ofMinutes(10));
    submitter.tellWritten(ownPendings);
    loader.readingBack(ownPendings);
    submitter.start();
    loader.start();
    handlers = new TemplateHandlers(codec, submitter, view, loader, config.api(), Clock.systemUTC());
    metrics.gauge("pipeline.streams.open", handlers, TemplateHandlers::openStreams);

    RpcMetrics rpcMetrics = new RpcMetrics(metrics);
    CallMetadata callMetadata = new CallMetadata();
    // Interceptors run last-listed first: the connection limit answers before anything else runs.
    ConnectionCallLimit callLimit = new ConnectionCallLimit(config.maxConcurrentCallsPerConnection());
    server = NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcHost(), config.grpcPort()), credentials())
        .addService(ServerInterceptors.intercept(TemplateServices.init(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(TemplateServices.monitor(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(ServerInterceptors.intercept(TemplateServices.cancel(handlers), callMetadata, rpcMetrics, callLimit))
        .addService(health.getHealthService())
        // Every handler is non-blocking (decode, queue, answer from futures), so calls run on the
        // transport threads; a thread pool would only add hand-offs (measured: docs/benchmarks.md).
        .directExecutor()
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        .build()
        .start();
    if (config.opsPort() > 0) {
      ops = new OpsHttpServer("0.0.0.0", config.opsPort(), metrics, () -> !stopping && !submitter.fenced().isDone(), this::isServing);
      ops.route(JobsHttpApi.PATH, new JobsHttpApi(view, loader, loader::isHealthy, config.statusSyncTimeout()));
    }
    if (config.dashboard().enabled()) {
      workerGroup = new KafkaWorkerGroup(config.kafka(), config.workerGroup(), config.topics().input());
      deadLetters = new DeadLetters(config.kafka(), config.topics().deadLetter(), serdes.deserializer(TemplateInput.class), submitter,
          "scix-gateway-dead-letters-" + config.instanceId());
      jobTopics = new KafkaJobTopics(config.kafka(), config.topics(), serdes, "scix-gateway-dashboard-" + config.instanceId());
      try {
        dashboard = new DashboardServer(config.dashboard(), view,
            new JobsHttpApi("/api/jobs", view, loader, loader::isHealthy, config.statusSyncTimeout()), submitter, deadLetters, workerGroup,
            jobTopics);
      } catch (BindException e) {
        workerGroup.close(); // released now, not left for close(): the gateway does not start
        jobTopics.close();
        deadLetters.close();
        workerGroup = null;
        jobTopics = null;
        throw new IOException("the dashboard cannot listen on " + config.dashboard().host() + ":" + config.dashboard().port()
            + " (in use: another gateway on this machine?): set " + GatewayConfig.DASHBOARD_PORT + " to another port (0: any free one)"
            + " or " + GatewayConfig.DASHBOARD_ENABLED + "=false", e);
      }
    }
    updateHealth();
    // Health follows events (above); a stalled reader is the one state only time reveals.
    stallWatch.scheduleWithFixedDelay(this::updateHealth, 1, 1, TimeUnit.SECONDS);
    log.info("gateway {} listening on port {} ({}), input topic {}, status topic {}", config.instanceId(), port(),
        config.tlsCertFile().isPresent() ? (config.tlsClientCaFile().isPresent() ? "mutual TLS" : "TLS") : "plaintext",
        config.topics().input(), config.topics().status());
    return this;
  }

  /** The transactional producer of one submit lane. */
  private ProducerSettings producerSettings(int lane) {
    return new ProducerSettings(JobSubmitter.transactionalId(config.instanceId(), lane),
        // Every blocking step is bounded by the submit deadline, so a dead broker answers UNAVAILABLE in time.
        config.submitTimeout(), config.submitTimeout(), config.submitTimeout(),
        // A gateway that dies mid-transaction blocks read_committed readers until this expires.
        Duration.ofSeconds(10));
  }

  /**
   * The status view over its store: in STATUS_STORE_DIR/instance-id when set (a restart resumes
   * from it; replicas sharing the setting still get a store each), else in a temporary directory
   * (a restart reads the whole status topic again).
   */
  private StatusView openView() throws IOException {
    Path dir = config.statusStoreDir().map(parent -> parent.resolve(config.instanceId())).orElse(null);
    if (dir == null) {
      temporaryStoreDir = Files.createTempDirectory("scix-status-view-");
      dir = temporaryStoreDir;
    }
    String topic = config.topics().status();
    String identity = topic + "/" + TopicAdmin.topicId(config.kafka(), topic, Duration.ofSeconds(30));
    return new StatusView(JobStore.open(dir, identity), 2, metrics);
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

  public int port() {
    return server.getPort();
  }

  public boolean isServing() {
    return !stopping && loader.isHealthy() && submitter.isKafkaReachable();
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
    return dashboard == null ? -1 : dashboard.port();
  }

  public int opsPort() {
    return ops == null ? -1 : ops.port();
  }

  /** Sets health from the current state; called whenever a part of it changes (the health manager ignores repeats). */
  private synchronized void updateHealth() {
    if (stopping || server == null) {
      return; // before start completes, NOT_SERVING holds; after close begins, the terminal state does
    }
    ServingStatus status = isServing() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (String service : new String[] {"", TemplateApi.INIT_SERVICE, TemplateApi.MONITOR_SERVICE, TemplateApi.CANCEL_SERVICE}) {
      health.setStatus(service, status);
    }
  }

  /**
   * Registers the request schema under the subject clients fetch and decodes with whatever is
   * latest there (clients encode with the latest version).
   */
  private SchemalessAvroCodec<TemplateInput> requestCodec() {
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
    if (config.tlsCertFile().isEmpty()) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
        .keyManager(config.tlsCertFile().get().toFile(), config.tlsKeyFile().get().toFile());
    if (config.tlsClientCaFile().isPresent()) {
      tls.trustManager(config.tlsClientCaFile().get().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return tls.build();
  }

  /**
   * Graceful stop: NOT_SERVING first (load balancers drain), no new calls, open streams ended with
   * UNAVAILABLE so clients re-monitor elsewhere, in-flight submissions finished, then Kafka clients closed.
   */
  @Override
  public void close() {
    if (stopping) {
      return;
    }
    synchronized (this) {
      stopping = true;
      health.enterTerminalState();
    }
    stallWatch.shutdownNow();
    if (server != null) {
      server.shutdown();
      handlers.closeOpenStreams();
      try {
        if (!server.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
          server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (submitter != null) {
      submitter.close();
    }
    if (ops != null) {
      ops.close(); // before the store closes: no query may read a closed store
    }
    if (dashboard != null) {
      dashboard.close();
      workerGroup.close();
      jobTopics.close();
      deadLetters.close();
    }
    boolean readerStopped = loader == null || loader.stop();
    if (tombstones != null) {
      tombstones.close(Duration.ofSeconds(2));
    }
    if (view != null && readerStopped) {
      view.close(); // flushed: a restart resumes from here
    } else if (view != null) {
      log.warn("status reader did not stop in time; the status store is left open (a restart re-reads its unflushed tail)");
    }
    if (temporaryStoreDir != null) {
      try {
        JobStore.deleteRecursively(temporaryStoreDir);
      } catch (UncheckedIOException e) {
        log.warn("could not delete the temporary status store {}: {}", temporaryStoreDir, e.getCause().toString());
      }
    }
    log.info("gateway {} stopped", config.instanceId());
  }
}
