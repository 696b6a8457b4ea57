package org.scix.pipeline.gateway.submit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.core.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submissions waiting for a lane, and the deadline that bounds their wait. One timer drops those
 * not sent in time (never sent later): still queued (the queue is in deadline order, so it stops at
 * the first one in time), or taken by a lane whose transaction has not begun (a producer being
 * replaced while Kafka is away). As a safety net it answers "outcome unknown" for a batch whose
 * transaction has run for four deadlines (the writer learns the outcome well before).
 */
final class SubmitQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SubmitQueue.class);
  /** Jobs held at most: beyond it a caller is told Kafka is not keeping up (a bound on memory, not a tuning knob). */
  static final int CAPACITY = 100_000;
  /** Submissions one transaction carries at most. */
  static final int MAX_BATCH = 1000;

  private final Duration sendDeadline;
  private final BlockingQueue<Submission> queue = new LinkedBlockingQueue<>(CAPACITY);
  private final Map<Object, Batch> taken = new ConcurrentHashMap<>(); // by lane
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.daemonFactory("submit-deadlines"));

  /** A lane's current batch: taken from the queue, then sent in a transaction (which may not begin at once). */
  static final class Batch {
    final List<Submission> submissions;
    volatile long sentAtNanos; // 0 until its transaction began

    Batch(List<Submission> submissions) {
      this.submissions = submissions;
    }
  }

  SubmitQueue(Duration sendDeadline) {
    this.sendDeadline = sendDeadline;
  }

  /** Starts the deadline timer: it ticks at a tenth of the deadline, between 1 and 50 ms. */
  void start() {
    long tick = Math.max(1, Math.min(50, sendDeadline.toMillis() / 10));
    timer.scheduleWithFixedDelay(this::sweepQuietly, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** False if the queue is full. */
  boolean offer(Submission submission) {
    return queue.offer(submission);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Waits up to {@code wait} for a first submission, then takes whatever else is queued (up to a batch); null if none came. */
  Batch takeBatch(Object lane, Duration wait) throws InterruptedException {
    Submission first = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (first == null) {
      return null;
    }
    List<Submission> submissions = new ArrayList<>(MAX_BATCH);
    submissions.add(first);
    queue.drainTo(submissions, MAX_BATCH - 1);
    Batch batch = new Batch(submissions);
    taken.put(lane, batch);
    return batch;
  }

  /** The lane is done with its batch (answered, one way or another). */
  void release(Object lane) {
    taken.remove(lane);
  }

  /** Fails every submission still queued. */
  void failAll(SubmissionFailedException failure) {
    Submission s;
    while ((s = queue.poll()) != null) {
      s.acknowledged().completeExceptionally(failure);
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("submit deadline sweep failed: {}", e.toString()); // next tick tries again
    }
  }

  void sweep() {
    long now = System.nanoTime();
    long deadline = sendDeadline.toNanos();
    Submission head;
    while ((head = queue.peek()) != null && now - head.queuedAtNanos() >= deadline) {
      if (queue.remove(head)) { // a lane may have taken it meanwhile: then the lane's batch is checked below
        expire(head);
      }
    }
    for (Batch batch : taken.values()) {
      long sentAt = batch.sentAtNanos;
      for (Submission s : batch.submissions) {
        if (now - s.queuedAtNanos() >= deadline) {
          expire(s); // nothing if it was sent: then it hears its transaction's real outcome
        }
      }
      if (sentAt != 0 && now - sentAt >= 4 * deadline) {
        TimeoutException late = new TimeoutException("no commit outcome within " + 4 * sendDeadline.toMillis() + " ms");
        batch.submissions.forEach(s -> s.acknowledged().completeExceptionally(SubmissionFailedException.outcomeUnknown(s.jobId(), late)));
      }
    }
  }

  private void expire(Submission submission) {
    submission.expireIfQueued("Kafka did not take the " + (submission.isJob() ? "job" : "request") + " within "
        + sendDeadline.toMillis() + " ms; it was not sent and will not be");
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
