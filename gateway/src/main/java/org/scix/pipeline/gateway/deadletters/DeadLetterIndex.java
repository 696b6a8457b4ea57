package org.scix.pipeline.gateway.deadletters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter topic, read once by one thread as it grows, so that no request reads the topic:
 * the newest {@value #NEWEST} dead letters (for the list), the outcome of every dead letter acted
 * on (its Replay or Discard marker: few, one per operator action), and how far each partition has
 * been read. An older dead letter is fetched by its offset (its ref names it) when asked for.
 * Requests first wait until the index has read up to the topic's last stable offset of that moment
 * (a read barrier, as the status view has), so a marker just written is seen.
 */
final class DeadLetterIndex implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterIndex.class);
  /** Dead letters kept in memory, newest last; the dashboard lists at most 200. */
  static final int NEWEST = 1000;

  /** What was done with a dead letter: {@code replayed} (as job {@code replayedAs}) or {@code discarded}. */
  record Outcome(String state, String replayedAs) {}

  private final KafkaSettings kafka;
  private final String topic;
  private final String clientId;
  private final Deque<ConsumerRecord<String, byte[]>> newest = new ArrayDeque<>(); // guarded by this
  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>(); // by ref
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>(); // next offset the reader will read
  private final Thread reader;
  private volatile boolean running = true;
  private volatile long letters; // dead letters read so far
  private final AtomicLong recordsRead = new AtomicLong(); // every record, markers too

  DeadLetterIndex(KafkaSettings kafka, String topic, String clientId) {
    this.kafka = kafka;
    this.topic = topic;
    this.clientId = clientId;
    this.reader = Threads.daemon("dead-letter-index", this::readForever);
  }

  DeadLetterIndex start() {
    reader.start();
    return this;
  }

  /** The newest dead letters, newest first, at most {@code limit}. */
  synchronized List<ConsumerRecord<String, byte[]>> newest(int limit) {
    List<ConsumerRecord<String, byte[]>> list = new ArrayList<>();
    var it = newest.descendingIterator();
    while (it.hasNext() && list.size() < limit) {
      list.add(it.next());
    }
    return list;
  }

  long count() {
    return letters;
  }

  Outcome outcome(String ref) {
    return outcomes.get(ref);
  }

  /** The dead letter named {@code ref}: from memory, or fetched by its offset; empty if there is none (or it is a marker). */
  Optional<ConsumerRecord<String, byte[]>> letter(String ref) {
    TopicPartition partition = new TopicPartition(topic, partitionOf(ref));
    long offset = Long.parseLong(ref.substring(ref.indexOf('-') + 1));
    synchronized (this) {
      for (ConsumerRecord<String, byte[]> record : newest) {
        if (record.partition() == partition.partition() && record.offset() == offset) {
          return Optional.of(record);
        }
      }
    }
    try (TopicReader fetch = TopicReader.open(kafka, clientId + "-fetch")) {
      Consumer<String, byte[]> consumer = fetch.consumer();
      consumer.assign(List.of(partition));
      consumer.seek(partition, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline && consumer.position(partition) <= offset) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() == offset) {
            return isMarker(record) ? Optional.empty() : Optional.of(record);
          }
          if (record.offset() > offset) {
            return Optional.empty(); // compacted, aborted or never there
          }
        }
      }
      return Optional.empty();
    }
  }

  /** A ref names a partition and an offset ("3-1200"); anything else is not a dead letter of this topic. */
  static int partitionOf(String ref) {
    if (!ref.matches("[0-9]{1,6}-[0-9]{1,18}")) {
      throw new NotFoundException("no dead letter " + ref + ": a ref is <partition>-<offset>");
    }
    return Integer.parseInt(ref.substring(0, ref.indexOf('-')));
  }

  /**
   * Waits until the index has read every partition up to its last stable offset now.
   *
   * @throws TimeoutException if it has not within {@code timeout} (Kafka slow or away)
   */
  void awaitCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
    Map<TopicPartition, Long> targets;
    try (TopicReader barrier = TopicReader.open(kafka, clientId + "-barrier")) {
      List<TopicPartition> partitions = TopicReader.partitionsOrEmpty(barrier.consumer(), topic, timeout);
      targets = TopicReader.endOffsets(barrier.consumer(), partitions, timeout);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new TimeoutException("Kafka did not say where the dead-letter topic ends within " + timeout.toMillis() + " ms");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!caughtUp(targets)) {
      if (System.nanoTime() > deadline || !running) {
        throw new TimeoutException("the dead-letter index has not read up to the topic's end within " + timeout.toMillis() + " ms");
      }
      Thread.sleep(10);
    }
  }

  private boolean caughtUp(Map<TopicPartition, Long> targets) {
    for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
      if (target.getValue() > 0 && positions.getOrDefault(target.getKey(), 0L) < target.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void readForever() {
    while (running) {
      try (TopicReader reader = TopicReader.open(kafka, clientId)) {
        List<TopicPartition> partitions = List.of();
        while (running) {
          List<TopicPartition> now = TopicReader.partitionsOrEmpty(reader.consumer(), topic, Duration.ofSeconds(10));
          if (!now.equals(partitions)) { // first sight, or partitions added
            reader.consumer().assign(now);
            for (TopicPartition partition : now) {
              if (!partitions.contains(partition)) {
                reader.consumer().seekToBeginning(List.of(partition));
              }
            }
            partitions = now;
          }
          long until = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // then look for new partitions
          while (running && System.nanoTime() < until && !partitions.isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : reader.consumer().poll(Duration.ofMillis(200))) {
              take(record);
            }
            for (TopicPartition partition : partitions) {
              positions.put(partition, reader.consumer().position(partition));
            }
          }
          if (partitions.isEmpty()) {
            Thread.sleep(1000); // the topic does not exist yet
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (running) {
          log.warn("dead-letter index: reading {} failed, starting over: {}", topic, e.toString());
          positions.clear();
          outcomes.clear();
          synchronized (this) {
            newest.clear();
          }
          letters = 0;
          sleepQuietly();
        }
      }
    }
  }

  private void take(ConsumerRecord<String, byte[]> record) {
    recordsRead.incrementAndGet();
    String action = header(record, DeadLetters.ACTION);
    if (action != null) {
      outcomes.put(header(record, DeadLetters.REF), new Outcome(action, header(record, DeadLetters.REPLAYED_AS)));
      return;
    }
    letters++;
    synchronized (this) {
      newest.addLast(record);
      if (newest.size() > NEWEST) {
        newest.removeFirst();
      }
    }
  }

  private static boolean isMarker(ConsumerRecord<String, byte[]> record) {
    return header(record, DeadLetters.ACTION) != null;
  }

  static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    reader.interrupt();
    try {
      reader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records the reader has read, markers included: once each, however many requests are answered. */
  long recordsRead() {
    return recordsRead.get();
  }
}
