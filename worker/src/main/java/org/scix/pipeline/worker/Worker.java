package org.scix.pipeline.worker;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicAdmin;
import org.scix.pipeline.core.ops.Metrics;
import org.scix.pipeline.core.ops.OpsHttpServer;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.runner.WorkerLoop;
import org.scix.pipeline.worker.runner.WorkerLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owns one worker process's lifecycle: topics, Kafka clients, the runner thread, ops endpoint. */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final WorkerConfig config;
  private final PrometheusMeterRegistry metrics = Metrics.newRegistry("worker");
  private WorkerLoop runner;
  private Thread thread;
  private OpsHttpServer ops;

  public Worker(WorkerConfig config) {
    this.config = config;
  }

  public Worker start() throws IOException {
    TopicAdmin.ensureTopics(config.kafka(), config.topics(), Duration.ofSeconds(30));
    PipelineSerdes serdes = new PipelineSerdes(config.kafka());
    Map<String, Object> consumerConfig = consumerConfig();
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
    new KafkaClientMetrics(consumer).bindTo(metrics);
    AtomicInteger threads = new AtomicInteger();
    // The loop runs at most `concurrency` tasks at once; the pool grows beyond that only for threads
    // still held by tasks that ignored the interrupt after their deadline (those no longer count).
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "task-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    LoopSettings settings = new LoopSettings(config.concurrency(), Math.max(16, 4 * config.concurrency()), config.drainTimeout(),
        revocationWait(consumerConfig), config.taskDeadlines(), "worker-" + config.instanceId(), config.processingDelay(),
        config.commitInterval(), config.commitMaxJobs());
    runner = WorkerLoops.create(config, settings, consumer, serdes, pool, metrics);
    thread = new Thread(() -> {
      try {
        runner.run();
      } finally {
        pool.shutdownNow();
      }
    }, "worker-poll");
    thread.start();
    if (config.opsPort() > 0) {
      ops = new OpsHttpServer("0.0.0.0", config.opsPort(), metrics, () -> !runner.isStopped(), runner::isReady);
    }
    log.info("worker {} started: group {}, tasks {}, concurrency {}", config.instanceId(), config.groupId(),
        config.tasks().bindings(), config.concurrency());
    return this;
  }

  public boolean isReady() {
    return runner != null && runner.isReady();
  }

  /** Why the worker stopped on its own (fenced, a fatal Kafka error); empty while it runs or after a requested stop. */
  public Optional<Throwable> failure() {
    return runner == null ? Optional.empty() : runner.failure();
  }

  public boolean isStopped() {
    return runner != null && runner.isStopped();
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  public int opsPort() {
    return ops == null ? -1 : ops.port();
  }

  /** Blocks until the runner stops (after {@link #close()} or a fatal error). */
  public void awaitStopped() throws InterruptedException {
    thread.join();
  }

  /** Graceful: stop taking jobs, finish in-flight ones up to the drain timeout, commit, leave the group. */
  @Override
  public void close() {
    if (runner == null) {
      return;
    }
    runner.stop();
    try {
      thread.join(config.drainTimeout().plusSeconds(15).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ops != null) {
      ops.close();
    }
  }

  private Map<String, Object> consumerConfig() {
    Map<String, Object> c = config.kafka().clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "scix-worker-" + config.instanceId());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, config.concurrency()));
    // fetch.max.wait.ms stays at Kafka's 500 ms: the broker answers a parked read_committed fetch as
    // soon as a transaction commits, so a short wait only costs idle CPU (docs/benchmarks.md, "Idle").
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    return c;
  }

  /** A third of max.poll.interval.ms, at most the drain timeout and 20 s. */
  private Duration revocationWait(Map<String, Object> consumerConfig) {
    Object configured = consumerConfig.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    long maxPollInterval = configured == null ? 300_000 : Long.parseLong(configured.toString());
    long millis = Math.min(Math.min(config.drainTimeout().toMillis(), 20_000), maxPollInterval / 3);
    return Duration.ofMillis(millis);
  }
}
