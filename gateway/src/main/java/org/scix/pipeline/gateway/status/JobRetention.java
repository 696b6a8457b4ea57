package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets finished jobs {@code retention} after they ended: each sweep takes the jobs whose end is
 * older than that from the view's end index and writes a tombstone for each to its status-topic
 * partition. The view forgets a job when it reads the tombstone back, like every other replica,
 * so a job is forgotten only once Kafka has its tombstone (and compaction then drops its events).
 * Pending and Processing jobs are never in the end index, so they are never forgotten.
 *
 * <p>Every replica sweeps on its own clock (no coordination): a job may get one tombstone per
 * replica, which compaction folds into one. That is safe because no job id is used again after
 * its retention: ids are random, or derived from an idempotency key and a time window, and
 * retention is at least twice that window (checked at start).
 *
 * <p>Runs on the status reader's thread ({@link StatusViewLoader#onEachTurn}); sends never wait
 * for Kafka, and a sweep stops at the first tombstone the producer cannot even queue.
 */
public final class JobRetention implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JobRetention.class);
  /** Tombstones sent per sweep, so a backlog never stalls the reader. */
  static final int MAX_PER_TURN = 5_000;

  private final StatusView view;
  private final Producer<String, byte[]> tombstones;
  private final String topic;
  private final Duration retention;
  private final Duration interval;
  private final Clock clock;
  private final Counter sent;
  private final AtomicLong failures = new AtomicLong();
  /** Jobs whose tombstone is on its way or written but not read back yet: not sent again. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private long nextSweepMillis;

  public JobRetention(StatusView view, Producer<String, byte[]> tombstones, String topic, Duration retention, Clock clock,
      MeterRegistry metrics) {
    this.view = view;
    this.tombstones = tombstones;
    this.topic = topic;
    this.retention = retention;
    this.interval = sweepInterval(retention);
    this.clock = clock;
    this.sent = Counter.builder("pipeline.status_view.tombstones_sent")
        .description("Tombstones written for finished jobs past JOB_RETENTION").register(metrics);
  }

  /** A twentieth of the retention, between 1 s and 5 min: a job outlives its retention by at most that. */
  static Duration sweepInterval(Duration retention) {
    long millis = Math.max(1_000, Math.min(retention.toMillis() / 20, Duration.ofMinutes(5).toMillis()));
    return Duration.ofMillis(millis);
  }

  /** Sweeps when one is due; a sweep that sent a full turn's worth sweeps again next turn. */
  @Override
  public void run() {
    long now = clock.millis();
    if (now < nextSweepMillis) {
      return;
    }
    List<JobRecord> expired = view.endedBefore(now - retention.toMillis(), MAX_PER_TURN + inFlight.size());
    // What is no longer expired in the view has been read back (forgotten): done.
    inFlight.retainAll(expired.stream().map(JobRecord::jobId).collect(Collectors.toSet()));
    int count = 0;
    for (JobRecord job : expired) {
      if (count == MAX_PER_TURN || !inFlight.add(job.jobId())) {
        continue;
      }
      Future<RecordMetadata> queued = tombstones.send(new ProducerRecord<>(topic, job.partition(), job.jobId(), null), (metadata, error) -> {
        if (error != null) {
          inFlight.remove(job.jobId()); // the next sweep tries again
          if (failures.getAndIncrement() % 1000 == 0) {
            log.warn("tombstone for job {} not written ({} failed so far); retried next sweep: {}", job.jobId(), failures.get(), error.toString());
          }
        }
      });
      count++;
      if (queued.isDone() && failed(queued)) {
        break; // not even queued (no metadata for the topic): Kafka is away, try next sweep
      }
    }
    sent.increment(count);
    nextSweepMillis = count == MAX_PER_TURN ? now : now + interval.toMillis();
    if (count > 0) {
      log.debug("sent tombstones for {} job(s) that ended more than {} ago", count, retention);
    }
  }

  private static boolean failed(Future<RecordMetadata> future) {
    try {
      future.get();
      return false;
    } catch (ExecutionException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return true;
    }
  }
}
