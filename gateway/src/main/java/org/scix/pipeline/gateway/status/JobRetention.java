package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets finished jobs {@code retention} after they ended: each sweep takes the jobs whose end is
 * older than that from the view's end index, deletes them from the view and writes a tombstone for
 * each to its status-topic partition, so compaction drops the job from the topic and every other
 * replica forgets it when it reads the tombstone. Pending and Processing jobs are never in the end
 * index, so they are never forgotten.
 *
 * <p>Every replica sweeps on its own clock (no coordination): a job may get one tombstone per
 * replica, which compaction folds into one. That is safe because no job id is used again after
 * its retention: ids are random, or derived from an idempotency key and a time window, and
 * retention is at least twice that window (checked at start).
 *
 * <p>Runs on the status reader's thread ({@link StatusViewLoader#onEachTurn}), the view's only writer.
 */
public final class JobRetention implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JobRetention.class);
  /** Jobs forgotten per turn of the reader, so a backlog never stalls it. */
  static final int MAX_PER_TURN = 5_000;

  private final StatusView view;
  private final Producer<String, byte[]> tombstones;
  private final String topic;
  private final Duration retention;
  private final Duration interval;
  private final Clock clock;
  private final Counter forgotten;
  private final AtomicLong failedTombstones = new AtomicLong();
  private long nextSweepMillis;

  public JobRetention(StatusView view, Producer<String, byte[]> tombstones, String topic, Duration retention, Clock clock,
      MeterRegistry metrics) {
    this.view = view;
    this.tombstones = tombstones;
    this.topic = topic;
    this.retention = retention;
    this.interval = sweepInterval(retention);
    this.clock = clock;
    this.forgotten = Counter.builder("pipeline.status_view.forgotten").description("Finished jobs forgotten after JOB_RETENTION")
        .register(metrics);
  }

  /** A twentieth of the retention, between 1 s and 5 min: a job outlives its retention by at most that. */
  static Duration sweepInterval(Duration retention) {
    long millis = Math.max(1_000, Math.min(retention.toMillis() / 20, Duration.ofMinutes(5).toMillis()));
    return Duration.ofMillis(millis);
  }

  /** Sweeps when one is due; a sweep that found a full turn's worth sweeps again next turn. */
  @Override
  public void run() {
    long now = clock.millis();
    if (now < nextSweepMillis) {
      return;
    }
    List<JobRecord> expired = view.endedBefore(now - retention.toMillis(), MAX_PER_TURN);
    nextSweepMillis = expired.size() == MAX_PER_TURN ? now : now + interval.toMillis();
    if (expired.isEmpty()) {
      return;
    }
    for (JobRecord job : expired) {
      tombstones.send(new ProducerRecord<>(topic, job.partition(), job.jobId(), null), (metadata, error) -> {
        if (error != null && failedTombstones.getAndIncrement() % 1000 == 0) {
          // Gone from this view already; a replica that later reads the topic from the start sweeps it again.
          log.warn("tombstone for job {} not written ({} so far): {}", job.jobId(), failedTombstones.get(), error.toString());
        }
      });
    }
    view.forget(expired);
    forgotten.increment(expired.size());
    log.debug("forgot {} job(s) that ended more than {} ago", expired.size(), retention);
  }
}
