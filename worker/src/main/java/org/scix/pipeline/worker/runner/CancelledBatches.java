package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.TopicReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches cancelled so far, as the control topic says: read to its end before the worker takes
 * a job (so a restarted worker never starts a job of a batch cancelled before), then followed on
 * its own thread. The poll loop asks {@link #isCancelled} for each job it receives, and looks at
 * the jobs it holds again whenever {@link #version} moves.
 */
public final class CancelledBatches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CancelledBatches.class);

  /** Cancelled batches only as {@link #cancel} is told (tests), no topic read. */
  static CancelledBatches inMemory() {
    return new CancelledBatches(null, null);
  }

  private final Consumer<String, byte[]> consumer;
  private final String topic;
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private final AtomicLong version = new AtomicLong();
  private volatile boolean running = true;
  private Thread thread;

  /** @param consumer a read_committed consumer without a group, owned by this from now on */
  public CancelledBatches(Consumer<String, byte[]> consumer, String topic) {
    this.consumer = consumer;
    this.topic = topic;
  }

  /**
   * Reads the control topic to its end, then follows it on a daemon thread.
   *
   * @throws IllegalStateException if the topic cannot be read to its end within {@code timeout}
   */
  public void start(Duration timeout) {
    if (consumer == null) {
      return;
    }
    List<TopicPartition> partitions = TopicReader.partitionsOrEmpty(consumer, topic, timeout);
    if (partitions.isEmpty()) {
      throw new IllegalStateException("cannot read the control topic " + topic + " (does it exist?)");
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = TopicReader.endOffsets(consumer, partitions, timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!TopicReader.reached(consumer, end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read the control topic " + topic + " to its end within " + timeout.toSeconds() + " s");
      }
      apply(consumer.poll(Duration.ofMillis(200)));
    }
    log.info("control topic {} read: {} cancelled batch(es)", topic, cancelled.size());
    thread = new Thread(this::follow, "worker-control");
    thread.setDaemon(true);
    thread.start();
  }

  public boolean isCancelled(String batchId) {
    return batchId != null && cancelled.contains(batchId);
  }

  /** Moves whenever a batch is cancelled. */
  public long version() {
    return version.get();
  }

  private void follow() {
    try {
      while (running) {
        apply(consumer.poll(Duration.ofMillis(500)));
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("stopped following the control topic {}: {}; cancelled batches from now on are not seen by this worker "
          + "until it restarts", topic, e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void apply(Iterable<ConsumerRecord<String, byte[]>> records) {
    for (ConsumerRecord<String, byte[]> record : records) {
      String batchId = BatchRecords.cancelledBatch(record.key());
      if (batchId != null && record.value() != null) {
        cancel(batchId);
      }
    }
  }

  /** Notes a cancelled batch (as read from the topic; tests call it directly). */
  void cancel(String batchId) {
    if (cancelled.add(batchId)) {
      log.info("batch {} cancelled: none of its jobs starts here from now on, running ones are stopped", batchId);
      version.incrementAndGet();
    }
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      consumer.wakeup();
      try {
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (consumer != null) {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
