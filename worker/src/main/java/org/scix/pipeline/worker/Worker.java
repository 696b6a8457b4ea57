package org.scix.pipeline.worker;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicAdmin;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.ops.Metrics;
import org.scix.pipeline.core.ops.OpsHttpServer;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.worker.runner.PerTopicStickyAssignor;
import org.scix.pipeline.worker.runner.WorkerLoop;
import org.scix.pipeline.worker.runner.WorkerLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process's composition root: {@link #start} ensures the topics, builds the consumer,
 * the loop (which owns its producer), the task threads and the ops endpoint, and starts the loop's
 * thread; {@link #close} drains and stops them, once.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  /** A stopping worker waits for its loop this much longer than the drain timeout (the final commit, leaving the group). */
  private static final Duration STOP_SLACK = Duration.ofSeconds(15);

  private final WorkerConfig config;
  private final PrometheusMeterRegistry metrics = Metrics.newRegistry("worker");
  private final WorkerLoop runner;
  private final Thread thread;
  private final Optional<OpsHttpServer> ops;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Builds and starts a worker. */
  public static Worker start(WorkerConfig config) throws IOException {
    return new Worker(config);
  }

  private Worker(WorkerConfig config) throws IOException {
    this.config = config;
    TopicAdmin.ensureTopics(config.kafka(), config.topics(), ADMIN_TIMEOUT);
    PipelineSerdes serdes = new PipelineSerdes(config.kafka());
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), new ByteArrayDeserializer());
    new KafkaClientMetrics(consumer).bindTo(metrics);
    // The loop runs at most `concurrency` tasks at once; the pool grows beyond that only for threads
    // still held by tasks that ignored the interrupt after their deadline (those no longer count).
    ExecutorService pool = Executors.newCachedThreadPool(Threads.numberedDaemonFactory("task-"));
    ControlState controls = new ControlState(TopicReader.newConsumer(config.kafka(), "scix-worker-control-"
        + config.instanceId()), config.topics().control());
    try {
      controls.start(ADMIN_TIMEOUT);
    } catch (RuntimeException e) {
      controls.close();
      consumer.close();
      pool.shutdownNow();
      throw e;
    }
    this.runner = WorkerLoops.create(config, consumer, serdes, pool, metrics, controls);
    try {
      this.ops = config.opsPort() > 0
          ? Optional.of(new OpsHttpServer("0.0.0.0", config.opsPort(), metrics, () -> !runner.isStopped(),
              () -> runner.isReady() && controls.isFollowing())) // not ready while cancels and pauses go unseen
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      consumer.close(); // the loop never ran: nothing else of it holds a connection yet
      controls.close();
      pool.shutdownNow();
      throw e;
    }
    this.thread = new Thread(() -> {
      try {
        runner.run();
      } finally {
        pool.shutdownNow();
        controls.close();
      }
    }, "worker-poll");
    thread.start();
    log.info("worker {} started: group {}, tasks {}, concurrency {}", config.instanceId(), config.groupId(),
        config.tasks().registry().bindings(), config.loop().concurrency());
  }

  public boolean isReady() {
    return runner.isReady();
  }

  /** Why the worker stopped on its own (fenced, a fatal Kafka error); empty while it runs or after a requested stop. */
  public Optional<Throwable> failure() {
    return runner.failure();
  }

  public boolean isStopped() {
    return runner.isStopped();
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  public int opsPort() {
    return ops.map(OpsHttpServer::port).orElse(-1);
  }

  /** Blocks until the runner stops (after {@link #close()} or a fatal error). */
  public void awaitStopped() throws InterruptedException {
    thread.join();
  }

  /** Graceful, once: stop taking jobs, finish in-flight ones up to the drain timeout, commit, leave the group; then the ops endpoint. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    runner.stop();
    try {
      thread.join(config.loop().drainTimeout().plus(STOP_SLACK).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ops.ifPresent(OpsHttpServer::close);
  }

  private Map<String, Object> consumerConfig() {
    Map<String, Object> c = config.kafka().clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, WorkerLoops.consumerClientId(config.instanceId()));
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Each topic balanced on its own; Kafka's cooperative sticky second, for a group still running older workers.
    c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        List.of(PerTopicStickyAssignor.class.getName(), CooperativeStickyAssignor.class.getName()));
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.loop().concurrency());
    // fetch.max.wait.ms stays at Kafka's 500 ms: the broker answers a parked read_committed fetch as
    // soon as a transaction commits, so a short wait only costs idle CPU (docs/benchmarks.md, "Idle").
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    return c;
  }
}
