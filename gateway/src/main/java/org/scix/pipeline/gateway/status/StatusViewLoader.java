package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole status topic into the {@link StatusView}: every partition, from where the view's
 * store left off (the beginning for a new store), {@code read_committed}, no consumer group (each
 * gateway replica holds the full view). It is caught up once it has read to the end offsets present
 * when it started; until then the gateway reports NOT_SERVING. Undecodable events are logged and
 * skipped: a view must not stop on one.
 *
 * <p>The reader thread owns the consumer; its helpers, one job each: {@link StatusPartitions}
 * (which partitions), {@link ReadBarrier} ({@link #sync()}), {@link ReaderHealth} (whether to
 * trust the view).
 */
public final class StatusViewLoader implements StatusViewSync, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusViewLoader.class);
  private static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(10);
  private static final Duration OWN_PENDINGS_EXPIRY_INTERVAL = Duration.ofSeconds(10);
  private static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

  /**
   * What the reader tells, and runs, as it reads.
   *
   * @param onStateChange called (on the reader thread) when the view becomes caught up or the reader stops
   * @param ownPendings the Pendings this replica writes: read back, they are applied as written instead of decoded
   * @param eachTurn run on the reader thread after each poll (the view's single writer): retention sweeps
   * @param staleEnds told (on the reader thread) of ended jobs whose latest event on the topic is a late Pending
   */
  public record Hooks(Runnable onStateChange, OwnPendings ownPendings, Runnable eachTurn, java.util.function.Consumer<List<JobRecord>> staleEnds) {
    public static Hooks none() {
      return new Hooks(() -> { }, new OwnPendings(Duration.ZERO), () -> { }, ended -> { });
    }
  }

  private final StatusView view;
  private final String topic;
  private final Consumer<String, byte[]> consumer;
  private final Deserializer<JobStatus> deserializer;
  private final Hooks hooks;
  private final StatusPartitions partitions;
  private final ReadBarrier barrier;
  private final ReaderHealth health;
  private final Counter eventsRead;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean reading; // in the main loop, where a wakeup is expected
  private long lastOwnPendingsExpiry = System.nanoTime(); // reader thread only
  private long lastHousekeepingWarning; // reader thread only
  private long lastUnreachableWarning; // reader thread only

  /** @param maxStall how long the reader may go without completing a poll before the replica reports NOT_SERVING */
  public StatusViewLoader(StatusView view, KafkaSettings kafka, String topic, PipelineSerdes serdes, String clientId, Duration maxStall,
      Hooks hooks, MeterRegistry metrics) {
    this(view, topic, TopicReader.newConsumer(kafka, clientId),
        TopicReader.newConsumer(kafka, clientId + "-ends", IsolationLevel.READ_UNCOMMITTED), serdes.deserializer(JobStatus.class),
        maxStall, PARTITION_CHECK_INTERVAL, clientId, hooks, metrics);
  }

  StatusViewLoader(StatusView view, String topic, Consumer<String, byte[]> consumer, Consumer<String, byte[]> highWatermarks,
      Deserializer<JobStatus> deserializer, Duration maxStall, Duration partitionCheckInterval, String name, Hooks hooks,
      MeterRegistry metrics) {
    this.view = view;
    this.topic = topic;
    this.consumer = consumer;
    this.deserializer = deserializer;
    this.hooks = hooks;
    this.partitions = new StatusPartitions(topic, partitionCheckInterval);
    this.barrier = new ReadBarrier(highWatermarks);
    this.health = new ReaderHealth(maxStall, hooks.onStateChange(), metrics);
    this.thread = new Thread(this::run, "status-view-loader-" + name);
    long longAgo = System.nanoTime() - Duration.ofMinutes(2).toNanos();
    this.lastHousekeepingWarning = longAgo;
    this.lastUnreachableWarning = longAgo;
    eventsRead = Counter.builder("pipeline.status_view.events_read")
        .description("Status events read since start (after a restart from a kept store: only the topic's tail)").register(metrics);
    Gauge.builder("pipeline.status_view.jobs", view, StatusView::size).description("Jobs held in the status view").register(metrics);
  }

  public void start() {
    thread.start();
  }

  @Override
  public boolean isCaughtUp() {
    return health.isCaughtUp();
  }

  /** Caught up, the reader alive, and its last poll recent; false forever once the reader thread has died. */
  public boolean isHealthy() {
    return health.isHealthy();
  }

  @Override
  public CompletableFuture<Void> sync() {
    if (!running) {
      return CompletableFuture.failedFuture(new IllegalStateException("status view reader stopped"));
    }
    CompletableFuture<Void> done = barrier.request();
    if (reading) {
      consumer.wakeup(); // do not let it sit out a poll
    }
    return done;
  }

  private void run() {
    try {
      List<TopicPartition> assigned = partitions.assignAll(consumer, () -> running);
      resume(assigned);
      Map<TopicPartition, Long> targets = startOffsets(assigned);
      log.info("status view: reading {} partition(s) of {} up to {}", assigned.size(), topic, targets.values());
      // Catching up at start is the first read barrier: the end offsets present now.
      CompletableFuture<Void> initial = new CompletableFuture<>();
      initial.thenRun(this::markCaughtUp);
      barrier.await(targets, initial);
      barrier.serve(consumer, assigned);
      reading = true;
      while (running) {
        readOnce();
      }
    } catch (WakeupException e) {
      if (running) {
        log.error("status view reader stopped by an unexpected wakeup", e);
      }
    } catch (RuntimeException e) {
      log.error("status view reader stopped: {}", e.toString(), e);
    } finally {
      running = false;
      reading = false;
      barrier.failAll(new IllegalStateException("status view reader stopped"));
      Thread.interrupted(); // an interrupted reader must still close its consumers and report that it stopped
      closeQuietly(consumer);
      barrier.close();
      health.stopped();
    }
  }

  private void readOnce() {
    try {
      ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
      List<JobRecord> staleEnds = view.applyAll(events(records), System.nanoTime());
      eventsRead.increment(records.count());
      runHousekeeping(staleEnds);
      health.polled();
      partitions.pickUpNew(consumer);
      barrier.serve(consumer, partitions.assigned());
    } catch (WakeupException e) {
      health.polled(); // from sync() (served next turn) or close() (ends the loop)
    } catch (RetriableException e) {
      // Kafka unreachable for longer than one lookup's timeout (a broker restarting, say): the view
      // keeps what it has read and asks again on a later turn. Only a fatal error stops the reader.
      if (System.nanoTime() - lastUnreachableWarning > WARNING_INTERVAL.toNanos()) {
        lastUnreachableWarning = System.nanoTime();
        log.warn("status view: Kafka did not answer a lookup ({}); the view keeps reading and retries", e.toString());
      }
    }
  }

  /** Each partition from where the view's store left it (a restart reads only the tail), or from the beginning. */
  private void resume(List<TopicPartition> assigned) {
    Map<Integer, Long> stored = view.resumeOffsets();
    List<TopicPartition> fresh = new ArrayList<>();
    for (TopicPartition partition : assigned) {
      Long next = stored.get(partition.partition());
      if (next == null) {
        fresh.add(partition);
      } else {
        consumer.seek(partition, next);
      }
    }
    if (!fresh.isEmpty()) {
      consumer.seekToBeginning(fresh); // an empty list would mean every assigned partition
    }
  }

  /** A failing sweep or repair is logged, not fatal: the view must keep reading whatever retention does. */
  private void runHousekeeping(List<JobRecord> staleEnds) {
    try {
      if (!staleEnds.isEmpty()) {
        hooks.staleEnds().accept(staleEnds);
      }
      if (System.nanoTime() - lastOwnPendingsExpiry > OWN_PENDINGS_EXPIRY_INTERVAL.toNanos()) {
        lastOwnPendingsExpiry = System.nanoTime();
        hooks.ownPendings().expire();
      }
      hooks.eachTurn().run();
    } catch (RuntimeException e) {
      if (System.nanoTime() - lastHousekeepingWarning > Duration.ofMinutes(1).toNanos()) {
        lastHousekeepingWarning = System.nanoTime();
        log.warn("status view housekeeping (retention sweep) failed; the view keeps reading: {}", e.toString());
      }
    }
  }

  /** The end offsets present at start; waits for a broker that is not there yet. */
  private Map<TopicPartition, Long> startOffsets(List<TopicPartition> assigned) {
    while (true) {
      try {
        return barrier.endOffsets(assigned, Duration.ofSeconds(10));
      } catch (TimeoutException e) {
        log.warn("end offsets of {} not available yet: {}", topic, e.getMessage());
      }
    }
  }

  private void markCaughtUp() {
    Duration took = health.caughtUp();
    log.info("status view caught up: {} job(s) in {} ms", view.size(), took.toMillis());
  }

  /**
   * Decodes a poll's records into view events; undecodable ones are logged and skipped (their
   * offset still counts). This replica's own Pendings are not decoded: the object written is applied.
   */
  private List<StatusView.Event> events(ConsumerRecords<String, byte[]> records) {
    List<StatusView.Event> events = new ArrayList<>(records.count());
    for (ConsumerRecord<String, byte[]> record : records) {
      JobStatus status = null;
      if (record.key() != null && record.value() != null && (status = hooks.ownPendings().take(record.key())) == null) {
        try {
          status = deserializer.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
          log.warn("skipping undecodable status event {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
      }
      if (record.key() != null && (record.value() == null || status != null)) {
        events.add(new StatusView.Event(record.partition(), record.offset(), record.key(), status));
      }
    }
    return events;
  }

  private static void closeQuietly(Consumer<String, byte[]> consumer) {
    try {
      consumer.close(Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      log.warn("closing a status view consumer: {}", e.toString());
    }
  }

  /** Stops the reader; returns whether its thread has ended (only then may the view's store be closed). */
  public boolean stop() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  @Override
  public void close() {
    stop();
  }
}
