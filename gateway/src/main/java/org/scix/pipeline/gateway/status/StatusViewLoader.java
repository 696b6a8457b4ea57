package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole status topic into the {@link StatusView}: every partition, from the beginning,
 * {@code read_committed}, no consumer group (each gateway replica holds the full view). It is
 * caught up once it has read to the end offsets present when it started; until then the gateway
 * reports NOT_SERVING. Undecodable events are logged and skipped: a view must not stop on one.
 */
public final class StatusViewLoader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusViewLoader.class);

  private final StatusView view;
  private final String topic;
  private final Consumer<String, byte[]> consumer;
  private final ConfluentAvroDeserializer<JobStatus> deserializer;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long startNanos;
  private volatile Duration catchUpTime;

  public StatusViewLoader(StatusView view, KafkaSettings kafka, String topic, PipelineSerdes serdes, String clientId,
      MeterRegistry metrics) {
    this(view, topic, newConsumer(kafka, clientId), serdes.deserializer(JobStatus.class), metrics);
  }

  StatusViewLoader(StatusView view, String topic, Consumer<String, byte[]> consumer,
      ConfluentAvroDeserializer<JobStatus> deserializer, MeterRegistry metrics) {
    this.view = view;
    this.topic = topic;
    this.consumer = consumer;
    this.deserializer = deserializer;
    this.thread = new Thread(this::run, "status-view-loader");
    Gauge.builder("pipeline.status_view.jobs", view, StatusView::size).description("Jobs held in the status view").register(metrics);
    Gauge.builder("pipeline.status_view.caught_up", this, l -> l.isCaughtUp() ? 1 : 0).register(metrics);
  }

  public void start() {
    startNanos = System.nanoTime();
    thread.start();
  }

  public boolean isCaughtUp() {
    return caughtUp.getCount() == 0;
  }

  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How long the initial catch-up took, once it has. */
  public Duration catchUpTime() {
    return catchUpTime;
  }

  private void run() {
    try {
      List<TopicPartition> partitions = awaitPartitions();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> targets = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(60)));
      log.info("status view: reading {} partition(s) of {} up to {}", partitions.size(), topic, targets.values());
      checkCaughtUp(targets);
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        if (!targets.isEmpty()) {
          checkCaughtUp(targets);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.error("status view reader stopped: {}", e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private List<TopicPartition> awaitPartitions() {
    while (running) {
      try {
        var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos != null && !infos.isEmpty()) {
          return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        }
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        log.warn("status topic {} not reachable yet: {}", topic, e.getMessage());
      }
    }
    throw new WakeupException();
  }

  private void checkCaughtUp(Map<TopicPartition, Long> targets) {
    targets.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    if (targets.isEmpty() && caughtUp.getCount() > 0) {
      catchUpTime = Duration.ofNanos(System.nanoTime() - startNanos);
      caughtUp.countDown();
      log.info("status view caught up: {} job(s) in {} ms", view.size(), catchUpTime.toMillis());
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      view.remove(record.key());
      return;
    }
    try {
      JobStatus status = deserializer.deserialize(record.topic(), record.value());
      view.apply(status.getJobId(), status.getStatus());
    } catch (RuntimeException e) {
      log.warn("skipping undecodable status event {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Consumer<String, byte[]> newConsumer(KafkaSettings kafka, String clientId) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

}
