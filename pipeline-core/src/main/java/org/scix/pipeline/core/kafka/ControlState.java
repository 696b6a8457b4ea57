package org.scix.pipeline.core.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control topic says now: the batches cancelled ({@link BatchRecords}), the tasks
 * paused, the tasks' concurrency limits and the jobs cancelled while their task was paused
 * ({@link TaskControls}). Read to its end before its owner acts (a restarted worker never
 * starts a job of a batch cancelled or a task paused before), then followed on its own thread.
 * Workers ask it about each job they receive, and look at the jobs they hold again whenever
 * {@link #version} moves; gateways answer which tasks are paused from it.
 */
public final class ControlState implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlState.class);

  /** State only as the methods below are told (tests), no topic read. */
  public static ControlState inMemory() {
    return new ControlState(null, null);
  }

  private final Consumer<String, byte[]> consumer;
  private final String topic;
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> cancelledJobs = new ConcurrentHashMap<>(); // job id -> when its cancel was written (epoch ms)
  private final Map<String, TaskControls.Pause> paused = new ConcurrentHashMap<>();
  private final Map<String, TaskControls.Limit> limits = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private volatile boolean running = true;
  private volatile boolean following = true;
  /** When the latest completed poll began (System.nanoTime); what the state says is at least as new as that. */
  private volatile long freshAsOfNanos = System.nanoTime();
  /** How long one poll waits for records when there are none, by default: bounds how stale {@link #isFreshWithin} lets the state be. */
  private static final Duration POLL_WAIT = Duration.ofMillis(100);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  /** A poll that took this much longer than it waits stalled: the process was frozen or starved meanwhile. */
  private static final Duration STALLED_POLL = Duration.ofSeconds(1);
  private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(5);
  private boolean mustCatchUp; // poll thread only: after a stalled poll, not fresh until read to catchUpTo
  private Map<TopicPartition, Long> catchUpTo; // poll thread only
  private final Duration pollWait;
  private Thread thread;

  /** @param consumer a read_committed consumer without a group, owned by this from now on */
  public ControlState(Consumer<String, byte[]> consumer, String topic) {
    this(consumer, topic, POLL_WAIT);
  }

  /**
   * @param consumer a read_committed consumer without a group, owned by this from now on
   * @param pollWait how long one poll waits when nothing arrives (a record ends it at once): what
   *     {@link #isFreshWithin} can promise, and the cost of following an idle topic
   */
  public ControlState(Consumer<String, byte[]> consumer, String topic, Duration pollWait) {
    this.consumer = consumer;
    this.topic = topic;
    this.pollWait = pollWait;
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
    log.info("control topic {} read: {} cancelled batch(es), paused tasks {}", topic, cancelled.size(), paused.keySet());
    thread = Threads.daemon("control-topic", this::follow);
    thread.start();
  }

  public boolean isCancelled(String batchId) {
    return batchId != null && cancelled.contains(batchId);
  }

  /** A job cancelled on the control topic, whose cancel is not carried out yet. */
  public boolean isJobCancelled(String jobId) {
    return jobId != null && cancelledJobs.containsKey(jobId);
  }

  /** The jobs whose cancel on the control topic is not carried out yet, with when it was written (epoch ms). */
  public Map<String, Long> cancelledJobs() {
    return Map.copyOf(cancelledJobs);
  }

  public boolean isPaused(String task) {
    return task != null && paused.containsKey(task);
  }

  /** The paused tasks, by name, with who paused them when. */
  public Map<String, TaskControls.Pause> pausedTasks() {
    return new TreeMap<>(paused);
  }

  /** A task's concurrency limit per worker, or null if it has none. */
  public TaskControls.Limit limit(String task) {
    return task == null ? null : limits.get(task);
  }

  /** Moves whenever a batch is cancelled, a task paused or resumed, or a limit changed. */
  public long version() {
    return version.get();
  }

  /**
   * Whether what this state says is no older than {@code maxAge}: a poll that began at most that
   * long ago has completed. A worker starts no job otherwise: thawed after a freeze (SIGSTOP, a long
   * GC pause) its poll thread would start jobs before this thread had read the pauses and cancels
   * written meanwhile (seen in a chaos run: 14 jobs of a paused task started 1.26 s after the
   * pause was answered). Always true for a state not backed by a topic.
   */
  public boolean isFreshWithin(Duration maxAge) {
    return consumer == null || System.nanoTime() - freshAsOfNanos <= maxAge.toNanos();
  }

  /**
   * Whether the control topic is being followed now: false while polling it fails (cancels,
   * pauses and limits written meanwhile are not seen here yet). A worker is not ready then.
   */
  public boolean isFollowing() {
    return consumer == null || following;
  }

  /**
   * Follows the topic until closed. A failed poll does not end it (before, the thread died and the
   * process went on ignoring every cancel and pause): it is logged, {@link #isFollowing} turns
   * false, and polling goes on from where it was after a pause.
   */
  private void follow() {
    try {
      while (running) {
        try {
          long began = System.nanoTime();
          apply(consumer.poll(pollWait));
          if (System.nanoTime() - began > pollWait.plus(STALLED_POLL).toNanos()) {
            // This process was frozen (SIGSTOP, a long GC pause) or starved: the poll may have
            // returned what was fetched before, so the state is fresh again only once it has been
            // read to the end as it is now (a chaos run: jobs of a paused task started 0.75 s after
            // the pause was answered, on a worker thawed after 15 s).
            mustCatchUp = true;
            catchUpTo = null;
          }
          if (mustCatchUp && catchUpTo == null) {
            catchUpTo = TopicReader.endOffsets(consumer, List.copyOf(consumer.assignment()), END_OFFSETS_TIMEOUT);
          }
          if (!mustCatchUp || TopicReader.reached(consumer, catchUpTo)) {
            mustCatchUp = false;
            catchUpTo = null;
            freshAsOfNanos = began;
          }
          if (!following) {
            log.info("following the control topic {} again", topic);
            following = true;
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          if (following) {
            log.error("cannot follow the control topic {}: {}; cancels, pauses and limits written from now on are not seen here "
                + "until it can (retrying every {} ms; this process reports not ready meanwhile)", topic, e.toString(),
                RETRY_BACKOFF.toMillis(), e);
          }
          following = false;
          if (!Threads.sleepQuietly(RETRY_BACKOFF)) {
            running = false;
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      following = false;
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void apply(Iterable<ConsumerRecord<String, byte[]>> records) {
    for (ConsumerRecord<String, byte[]> record : records) {
      String batchId = BatchRecords.cancelledBatch(record.key());
      String task = TaskControls.pausedTask(record.key());
      String limited = TaskControls.limitedTask(record.key());
      String cancelledJob = TaskControls.cancelledJobId(record.key());
      if (batchId != null && record.value() != null) {
        cancelBatch(batchId);
      } else if (task != null && record.value() != null) {
        pause(task, TaskControls.pause(record.value()));
      } else if (task != null) {
        resume(task);
      } else if (limited != null) {
        limit(limited, record.value() == null ? null : TaskControls.limit(record.value()));
      } else if (cancelledJob != null) {
        cancelJob(cancelledJob, record.value() != null, record.timestamp());
      }
    }
  }

  /** Notes a cancelled batch (as read from the topic; tests call it directly). */
  public void cancelBatch(String batchId) {
    if (cancelled.add(batchId)) {
      log.info("batch {} cancelled: none of its jobs starts from now on, running ones are stopped", batchId);
      version.incrementAndGet();
    }
  }

  /** Notes a job cancelled while its task was paused, or ({@code cancelled} false) that its cancel was carried out. */
  public void cancelJob(String jobId, boolean cancelled) {
    cancelJob(jobId, cancelled, System.currentTimeMillis());
  }

  private void cancelJob(String jobId, boolean cancelled, long atMillis) {
    if (cancelled ? cancelledJobs.putIfAbsent(jobId, atMillis) == null : cancelledJobs.remove(jobId) != null) {
      version.incrementAndGet();
    }
  }

  /** Notes a paused task (as read from the topic; tests call it directly). */
  public void pause(String task, TaskControls.Pause pause) {
    if (paused.put(task, pause) == null) {
      log.info("task {} paused (by {}): no new job of it starts until it is resumed", task, pause.by());
      version.incrementAndGet();
    }
  }

  /** Notes a resumed task (as read from the topic; tests call it directly). */
  public void resume(String task) {
    if (paused.remove(task) != null) {
      log.info("task {} resumed", task);
      version.incrementAndGet();
    }
  }

  /** Notes a task's concurrency limit, null: none (as read from the topic; tests call it directly). */
  public void limit(String task, TaskControls.Limit limit) {
    TaskControls.Limit before = limit == null ? limits.remove(task) : limits.put(task, limit);
    if (!java.util.Objects.equals(before, limit)) {
      log.info("task {}: {}", task, limit == null ? "no concurrency limit" : "at most " + limit.concurrency() + " job(s) at once per worker");
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
