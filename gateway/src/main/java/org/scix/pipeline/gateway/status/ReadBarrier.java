package org.scix.pipeline.gateway.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.kafka.TopicReader;

/**
 * The status reader's read barrier: requests come from any thread; the reader thread serves them.
 * One end-offsets lookup serves every request waiting at that moment, and each completes once the
 * reader's position has reached those offsets. The offsets are the high watermarks (asked of a
 * {@code read_uncommitted} consumer), not the last stable offsets: an open transaction would put the
 * latter before a Pending committed after it, and the barrier would pass without it. Reaching the
 * high watermark waits until those transactions end.
 */
final class ReadBarrier {
  private final Consumer<String, byte[]> highWatermarks; // read_uncommitted, only asked for end offsets
  private final Queue<CompletableFuture<Void>> requests = new ConcurrentLinkedQueue<>();
  private final List<Barrier> open = new ArrayList<>(); // reader thread only

  /** End offsets to reach, and who is waiting for them. */
  private record Barrier(Map<TopicPartition, Long> targets, List<CompletableFuture<Void>> waiters) {}

  ReadBarrier(Consumer<String, byte[]> highWatermarks) {
    this.highWatermarks = highWatermarks;
  }

  /** Any thread: a future that completes once the reader has read what is on the topic now. */
  CompletableFuture<Void> request() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    requests.add(done);
    return done;
  }

  /** Reader thread: waits for {@code targets} on behalf of {@code waiter} (the catch-up at start). */
  void await(Map<TopicPartition, Long> targets, CompletableFuture<Void> waiter) {
    open.add(new Barrier(targets, List.of(waiter)));
  }

  /** The end offsets now present, waiting as long as {@code timeout}. */
  Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions, Duration timeout) {
    return TopicReader.endOffsets(highWatermarks, partitions, timeout);
  }

  /** Reader thread: opens one barrier for the requests waiting now, and completes those {@code reader} has passed. */
  void serve(Consumer<String, byte[]> reader, List<TopicPartition> partitions) {
    if (!requests.isEmpty()) {
      List<CompletableFuture<Void>> waiters = new ArrayList<>();
      CompletableFuture<Void> waiter;
      while ((waiter = requests.poll()) != null) {
        waiters.add(waiter);
      }
      try {
        open.add(new Barrier(endOffsets(partitions, Duration.ofSeconds(5)), waiters));
      } catch (WakeupException e) {
        requests.addAll(waiters); // another request arrived meanwhile; serve them together next turn
      } catch (RuntimeException e) {
        waiters.forEach(w -> w.completeExceptionally(e));
      }
    }
    open.removeIf(barrier -> {
      if (TopicReader.reached(reader, barrier.targets())) {
        barrier.waiters().forEach(w -> w.complete(null));
        return true;
      }
      return false;
    });
  }

  /** Reader thread, as it stops: every waiter, open or queued, fails with {@code why}. */
  void failAll(RuntimeException why) {
    open.forEach(b -> b.waiters().forEach(w -> w.completeExceptionally(why)));
    open.clear();
    CompletableFuture<Void> waiter;
    while ((waiter = requests.poll()) != null) {
      waiter.completeExceptionally(why);
    }
  }

  void close() {
    try {
      highWatermarks.close(Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(ReadBarrier.class).warn("closing the end-offsets consumer: {}", e.toString());
    }
  }
}
