package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
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
 * gateway replica holds the full view). It is
 * caught up once it has read to the end offsets present when it started; until then the gateway
 * reports NOT_SERVING. Undecodable events are logged and skipped: a view must not stop on one.
 *
 * <p>{@link #sync()} is a read barrier: requests are collected by the reader thread (which owns
 * the consumer), one end-offsets lookup serves every request waiting at that moment, and each
 * completes once the reader's position has reached those offsets. The offsets are the high
 * watermarks (asked of a {@code read_uncommitted} consumer), not the last stable offsets: an open
 * transaction would put the latter before a Pending committed after it, and the barrier would
 * pass without it. Reaching the high watermark waits until those transactions end.
 */
public final class StatusViewLoader implements StatusViewSync, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusViewLoader.class);
  private static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(10);
  private static final Duration OWN_PENDINGS_EXPIRY_INTERVAL = Duration.ofSeconds(10);

  private final StatusView view;
  private final String topic;
  private final Consumer<String, byte[]> consumer;
  private final Consumer<String, byte[]> highWatermarks; // read_uncommitted, only asked for end offsets
  private final Deserializer<JobStatus> deserializer;
  private final Duration maxStall;
  private final Duration partitionCheckInterval;
  private final List<TopicPartition> partitions = new ArrayList<>(); // reader thread only
  private volatile long lastPollNanos = System.nanoTime();
  private long lastPartitionCheckNanos; // reader thread only
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long startNanos;
  private volatile Duration catchUpTime;
  private final Queue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
  private final List<Barrier> barriers = new ArrayList<>(); // reader thread only
  private volatile boolean reading; // in the main loop, where a wakeup is expected
  private volatile Runnable stateListener = () -> { };
  private Runnable housekeeping = () -> { };
  private OwnPendings ownPendings = new OwnPendings(Duration.ZERO); // empty unless the submitter tells it
  private long lastOwnPendingsExpiry = System.nanoTime(); // reader thread only
  private long lastHousekeepingWarning = System.nanoTime() - Duration.ofMinutes(2).toNanos(); // reader thread only
  private long lastUnreachableWarning = System.nanoTime() - Duration.ofMinutes(2).toNanos(); // reader thread only
  private final Counter eventsRead;

  /** End offsets to reach, and who is waiting for them. */
  private record Barrier(Map<TopicPartition, Long> targets, List<CompletableFuture<Void>> waiters) {}

  /** @param maxStall how long the reader may go without completing a poll before the replica reports NOT_SERVING */
  public StatusViewLoader(StatusView view, KafkaSettings kafka, String topic, PipelineSerdes serdes, String clientId, Duration maxStall,
      MeterRegistry metrics) {
    this(view, topic, TopicReader.newConsumer(kafka, clientId),
        TopicReader.newConsumer(kafka, clientId + "-ends", IsolationLevel.READ_UNCOMMITTED), serdes.deserializer(JobStatus.class),
        maxStall, PARTITION_CHECK_INTERVAL, clientId, metrics);
  }

  StatusViewLoader(StatusView view, String topic, Consumer<String, byte[]> consumer, Consumer<String, byte[]> highWatermarks,
      Deserializer<JobStatus> deserializer, Duration maxStall, Duration partitionCheckInterval, String name, MeterRegistry metrics) {
    this.view = view;
    this.topic = topic;
    this.consumer = consumer;
    this.highWatermarks = highWatermarks;
    this.deserializer = deserializer;
    this.maxStall = maxStall;
    this.partitionCheckInterval = partitionCheckInterval;
    this.thread = new Thread(this::run, "status-view-loader-" + name);
    eventsRead = Counter.builder("pipeline.status_view.events_read")
        .description("Status events read since start (after a restart from a kept store: only the topic's tail)").register(metrics);
    Gauge.builder("pipeline.status_view.jobs", view, StatusView::size).description("Jobs held in the status view").register(metrics);
    Gauge.builder("pipeline.status_view.caught_up", this, l -> l.isCaughtUp() ? 1 : 0).register(metrics);
    Gauge.builder("pipeline.status_view.catch_up", this, l -> l.catchUpTime == null ? Double.NaN : l.catchUpTime.toNanos() / 1e9)
        .baseUnit("seconds").description("How long reading the status topic at start took").register(metrics);
  }

  /** Called (on the reader thread) when the view becomes caught up or the reader stops; set before {@link #start}. */
  public void onStateChange(Runnable listener) {
    this.stateListener = listener;
  }

  /** The Pendings this replica writes: read back, they are applied as written instead of decoded. Set before {@link #start}. */
  public void readingBack(OwnPendings ownPendings) {
    this.ownPendings = ownPendings;
  }

  /** Run on the reader thread after each poll (the view's single writer): retention sweeps. Set before {@link #start}. */
  public void onEachTurn(Runnable task) {
    this.housekeeping = task;
  }

  public void start() {
    startNanos = System.nanoTime();
    thread.start();
  }

  public boolean isCaughtUp() {
    return caughtUp.getCount() == 0;
  }

  /**
   * Whether answers from the view can be trusted: caught up, the reader alive, and its last poll
   * no longer ago than the allowed stall. False forever once the reader thread has died.
   */
  public boolean isHealthy() {
    return isCaughtUp() && running && System.nanoTime() - lastPollNanos <= maxStall.toNanos();
  }

  @Override
  public CompletableFuture<Void> sync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!running) {
      done.completeExceptionally(new IllegalStateException("status view reader stopped"));
      return done;
    }
    syncRequests.add(done);
    if (reading) {
      consumer.wakeup(); // do not let it sit out a poll
    }
    return done;
  }

  private void run() {
    try {
      partitions.addAll(awaitPartitions());
      consumer.assign(partitions);
      resume(partitions);
      lastPartitionCheckNanos = System.nanoTime();
      Map<TopicPartition, Long> targets = startOffsets(partitions);
      log.info("status view: reading {} partition(s) of {} up to {}", partitions.size(), topic, targets.values());
      // Catching up at start is the first read barrier: the end offsets present now.
      CompletableFuture<Void> initial = new CompletableFuture<>();
      initial.thenRun(this::markCaughtUp);
      barriers.add(new Barrier(targets, List.of(initial)));
      serveBarriers();
      reading = true;
      while (running) {
        try {
          ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
          long readAt = System.nanoTime();
          view.applyAll(events(records), readAt);
          eventsRead.increment(records.count());
          runHousekeeping();
          lastPollNanos = System.nanoTime();
          pickUpNewPartitions();
          serveBarriers();
        } catch (WakeupException e) {
          lastPollNanos = System.nanoTime(); // from sync() (served next turn) or close() (ends the loop)
        } catch (RetriableException e) {
          // Kafka unreachable for longer than one lookup's timeout (a broker restarting, say): the view
          // keeps what it has read and asks again on a later turn. Only a fatal error stops the reader.
          warnKafkaUnreachable(e);
        }
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
      IllegalStateException stopped = new IllegalStateException("status view reader stopped");
      barriers.forEach(b -> b.waiters().forEach(w -> w.completeExceptionally(stopped)));
      syncRequests.forEach(w -> w.completeExceptionally(stopped));
      Thread.interrupted(); // an interrupted reader must still close its consumers and report that it stopped
      closeQuietly(consumer);
      closeQuietly(highWatermarks);
      stateListener.run();
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

  /** A failing sweep is logged, not fatal: the view must keep reading whatever retention does. */
  private void runHousekeeping() {
    try {
      if (System.nanoTime() - lastOwnPendingsExpiry > OWN_PENDINGS_EXPIRY_INTERVAL.toNanos()) {
        lastOwnPendingsExpiry = System.nanoTime();
        ownPendings.expire();
      }
      housekeeping.run();
    } catch (RuntimeException e) {
      if (System.nanoTime() - lastHousekeepingWarning > Duration.ofMinutes(1).toNanos()) {
        lastHousekeepingWarning = System.nanoTime();
        log.warn("status view housekeeping (retention sweep) failed; the view keeps reading: {}", e.toString());
      }
    }
  }

  private void warnKafkaUnreachable(RetriableException e) {
    if (System.nanoTime() - lastUnreachableWarning > Duration.ofSeconds(30).toNanos()) {
      lastUnreachableWarning = System.nanoTime();
      log.warn("status view: Kafka did not answer a lookup ({}); the view keeps reading and retries", e.toString());
    }
  }

  /** Partitions added to the status topic since start are read too, from their beginning (checked every 10 s). */
  private void pickUpNewPartitions() {
    if (System.nanoTime() - lastPartitionCheckNanos < partitionCheckInterval.toNanos()) {
      return;
    }
    lastPartitionCheckNanos = System.nanoTime();
    List<TopicPartition> added = new ArrayList<>(TopicReader.partitionsOrEmpty(consumer, topic, Duration.ofSeconds(5)));
    added.removeAll(partitions);
    if (!added.isEmpty()) {
      partitions.addAll(added);
      consumer.assign(partitions);
      consumer.seekToBeginning(added);
      log.info("status view: reading {} partition(s) added to {}: {}", added.size(), topic, added);
    }
  }

  /** Opens one barrier for the sync requests waiting now and completes the barriers the reader has passed. */
  private void serveBarriers() {
    if (!syncRequests.isEmpty()) {
      List<CompletableFuture<Void>> waiters = new ArrayList<>();
      CompletableFuture<Void> waiter;
      while ((waiter = syncRequests.poll()) != null) {
        waiters.add(waiter);
      }
      try {
        barriers.add(new Barrier(TopicReader.endOffsets(highWatermarks, partitions, Duration.ofSeconds(5)), waiters));
      } catch (WakeupException e) {
        syncRequests.addAll(waiters); // another request arrived meanwhile; serve them together next turn
      } catch (RuntimeException e) {
        waiters.forEach(w -> w.completeExceptionally(e));
      }
    }
    barriers.removeIf(barrier -> {
      if (TopicReader.reached(consumer, barrier.targets())) {
        barrier.waiters().forEach(w -> w.complete(null));
        return true;
      }
      return false;
    });
  }

  private List<TopicPartition> awaitPartitions() {
    while (running) {
      try {
        List<TopicPartition> partitions = TopicReader.partitionsOrEmpty(consumer, topic, Duration.ofSeconds(10));
        if (!partitions.isEmpty()) {
          return partitions;
        }
      } catch (TimeoutException e) {
        log.warn("status topic {} not reachable yet: {}", topic, e.getMessage());
      }
    }
    throw new WakeupException(); // closed before the topic was found
  }

  /** The end offsets present at start; waits for a broker that is not there yet. */
  private Map<TopicPartition, Long> startOffsets(List<TopicPartition> partitions) {
    while (true) {
      try {
        return TopicReader.endOffsets(highWatermarks, partitions, Duration.ofSeconds(10));
      } catch (TimeoutException e) {
        log.warn("end offsets of {} not available yet: {}", topic, e.getMessage());
      }
    }
  }

  private void markCaughtUp() {
    catchUpTime = Duration.ofNanos(System.nanoTime() - startNanos);
    caughtUp.countDown();
    stateListener.run();
    log.info("status view caught up: {} job(s) in {} ms", view.size(), catchUpTime.toMillis());
  }

  /**
   * Decodes a poll's records into view events; undecodable ones are logged and skipped (their
   * offset still counts). This replica's own Pendings are not decoded: the object written is applied.
   */
  private List<StatusView.Event> events(ConsumerRecords<String, byte[]> records) {
    List<StatusView.Event> events = new ArrayList<>(records.count());
    for (ConsumerRecord<String, byte[]> record : records) {
      JobStatus status = null;
      if (record.key() != null && record.value() != null && (status = ownPendings.take(record.key())) == null) {
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
