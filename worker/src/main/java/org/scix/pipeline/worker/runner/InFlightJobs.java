package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.worker.runner.CommitBatch.Announcement;
import org.scix.pipeline.worker.runner.PartitionLedger.PartitionCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records a worker holds, from receipt until their results are committed: a
 * {@link PartitionLedger} per partition, and the jobs waiting for a task thread, in arrival order
 * per priority (interactive first, every Nth start to bulk: {@link #nextToStart}). Plain
 * bookkeeping owned by the poll thread.
 */
final class InFlightJobs {
  private static final Logger log = LoggerFactory.getLogger(InFlightJobs.class);
  private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
  private final ArrayDeque<JobExecution> waiting = new ArrayDeque<>(); // interactive
  private final ArrayDeque<JobExecution> waitingBulk = new ArrayDeque<>();
  private final Predicate<TopicPartition> isBulk;
  private final int interactivePerBulk;
  private int interactiveStartsInARow; // while bulk jobs wait
  private final Set<JobExecution> running = new HashSet<>(); // dispatched and not ended: at most the concurrency, so scans stay short
  private final long processingDelayNanos;
  private final long progressIntervalNanos;
  private final Duration duplicateWindow;
  private final Predicate<TopicPartition> isParked;
  private int firstPartition; // rotates: which partition's results a capped batch takes first

  /**
   * @param isBulk whether a partition is of the bulk input topic (or the parked one)
   * @param isParked whether a partition is of the parked topic
   * @param interactivePerBulk while both priorities have jobs waiting, interactive starts per bulk start
   * @param duplicateWindow how long (in record time) a committed job's id is kept to skip a second record of it
   */
  InFlightJobs(Duration processingDelay, Predicate<TopicPartition> isBulk, Predicate<TopicPartition> isParked, int interactivePerBulk,
      Duration progressInterval, Duration duplicateWindow) {
    this.isParked = isParked;
    this.duplicateWindow = duplicateWindow;
    this.processingDelayNanos = processingDelay.toNanos();
    this.progressIntervalNanos = progressInterval.toNanos();
    this.isBulk = isBulk;
    this.interactivePerBulk = interactivePerBulk;
  }

  /** Starts a newly owned partition from the group's committed offset and its metadata ({@code null}: none committed). */
  void seed(TopicPartition partition, OffsetAndMetadata committed) {
    ledgers.put(partition, PartitionLedger.seededFrom(committed, duplicateWindow, isParked.test(partition)));
  }

  /** Whether the partition was seeded since this worker took it: only then may it take records. */
  boolean isSeeded(TopicPartition partition) {
    return ledgers.containsKey(partition);
  }

  /**
   * Takes a received record of a seeded partition; a job that must not run again ends here with nothing to write.
   *
   * @throws IllegalStateException if its partition was not seeded
   */
  void add(JobExecution execution) {
    PartitionLedger ledger = ledgers.get(execution.partition());
    if (ledger == null) {
      throw new IllegalStateException("record of " + execution.partition() + " taken before the partition was seeded");
    }
    String skip = ledger.add(execution);
    if (skip != null) {
      log.info("record {}@{} (job {}) skipped: {}", execution.partition(), execution.offset(), execution.jobId(), skip);
      execution.skip();
    } else if (execution.isJob() && !execution.isFinished()) {
      (isBulk.test(execution.partition()) ? waitingBulk : waiting).addLast(execution);
    }
  }

  /** The next job to hand to a task thread, any task; see {@link #nextToStart(Predicate)}. */
  JobExecution nextToStart() {
    return nextToStart(execution -> true);
  }

  /**
   * The next job to hand to a task thread of those {@code mayStart} lets start now (a task at its
   * concurrency limit waits, and the jobs behind it go); null if none. Interactive jobs go first,
   * in arrival order, except that after {@code interactivePerBulk} of them in a row while bulk
   * jobs wait, the oldest bulk job goes (weighted, so a steady stream of interactive jobs cannot
   * starve a batch).
   */
  JobExecution nextToStart(Predicate<JobExecution> mayStart) {
    JobExecution interactive = firstStartable(waiting, mayStart);
    JobExecution bulk = firstStartable(waitingBulk, mayStart);
    if (interactive != null && (bulk == null || interactiveStartsInARow < interactivePerBulk)) {
      interactiveStartsInARow = bulk == null ? 0 : interactiveStartsInARow + 1;
      return take(waiting, interactive);
    }
    interactiveStartsInARow = 0;
    return bulk == null ? null : take(waitingBulk, bulk);
  }

  /**
   * The first job of {@code queue} that may start, dropping those finished or stopped meanwhile; it
   * stays queued. Scans past jobs {@code mayStart} refuses (at most the jobs held, which flow
   * control bounds).
   */
  private static JobExecution firstStartable(ArrayDeque<JobExecution> queue, Predicate<JobExecution> mayStart) {
    JobExecution first;
    while ((first = queue.peekFirst()) != null && (first.isFinished() || first.shouldStop())) {
      queue.pollFirst();
    }
    if (first == null || mayStart.test(first)) {
      return first;
    }
    for (JobExecution execution : queue) {
      if (!execution.isFinished() && !execution.shouldStop() && mayStart.test(execution)) {
        return execution;
      }
    }
    return null;
  }

  private static JobExecution take(ArrayDeque<JobExecution> queue, JobExecution execution) {
    if (queue.peekFirst() == execution) {
      return queue.pollFirst();
    }
    queue.removeFirstOccurrence(execution);
    return execution;
  }

  /** Jobs of {@code task} holding a task thread. */
  int runningOf(String task) {
    int count = 0;
    for (JobExecution execution : running) {
      if (execution.isRunning() && execution.isJob() && execution.job().getTask().name().equals(task)) {
        count++;
      }
    }
    return count;
  }

  /** Jobs received and not finished: waiting for a task thread or running. */
  List<JobExecution> unfinishedJobs() {
    List<JobExecution> jobs = new ArrayList<>(waiting);
    jobs.addAll(waitingBulk);
    jobs.addAll(running);
    jobs.removeIf(JobExecution::isFinished);
    return jobs;
  }

  /** Jobs that ended here and whose results are not committed yet. */
  List<JobExecution> endedUncommitted() {
    List<JobExecution> ended = new ArrayList<>();
    for (PartitionLedger ledger : ledgers.values()) {
      for (JobExecution execution : ledger.held()) {
        if (execution.isJob() && execution.isFinished()) {
          ended.add(execution);
        }
      }
    }
    return ended;
  }

  /** Records held, finished or not. */
  int size() {
    return ledgers.values().stream().mapToInt(PartitionLedger::size).sum();
  }

  /** The job's task was handed to a task thread. */
  void dispatched(JobExecution execution) {
    running.add(execution);
  }

  /** Jobs holding a task thread. */
  int runningTasks() {
    running.removeIf(execution -> !execution.isRunning());
    return running.size();
  }

  /**
   * Per partition, the records held that occupy no task thread: jobs waiting to start, and records
   * that ended and wait for their commit. Flow control bounds these, so a worker reads ahead of
   * neither its task threads nor its commits (a burst of short jobs would otherwise be read far
   * ahead, and a later record of another partition, such as an interactive job, would queue behind
   * thousands in the consumer's buffer). Running jobs do not count: a long job does not stop its
   * partition's intake.
   */
  Map<TopicPartition, Integer> queuedByPartition() {
    Map<TopicPartition, Integer> counts = new HashMap<>();
    ledgers.forEach((partition, ledger) -> {
      int queued = 0;
      for (JobExecution execution : ledger.held()) {
        if (!execution.isRunning()) {
          queued++;
        }
      }
      counts.put(partition, queued);
    });
    return counts;
  }

  /** Whether any job of these partitions is running on a task thread. */
  boolean hasStartedUnfinished(Collection<TopicPartition> partitions) {
    for (JobExecution execution : running) {
      if (execution.isStartedAndUnfinished() && partitions.contains(execution.partition())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Cancels job {@code jobId} of {@code partition} if it is held and has not ended. A cancel
   * request follows its job on the same partition, so a job not held here has already been
   * committed: with its terminal status, or parked (then the control topic's copy of the cancel
   * reaches the job wherever it waits).
   *
   * @return the held records of the job (empty: it already committed)
   */
  List<JobExecution> cancel(TopicPartition partition, String jobId) {
    List<JobExecution> targets = new ArrayList<>();
    PartitionLedger ledger = ledgers.get(partition);
    for (JobExecution execution : ledger == null ? List.<JobExecution>of() : ledger.held()) {
      if (execution.isJob() && execution.jobId().equals(jobId)) {
        targets.add(execution);
        if (!execution.isFinished() && !execution.isCancelled()) {
          log.info("job {} cancelled {}", jobId, execution.isRunning() ? "while running" : "before it started");
          execution.cancel();
        }
      }
    }
    return targets;
  }

  /** Whether {@code partition} should take no more records for now ({@link PartitionLedger#isBacklogged}). */
  boolean isBacklogged(TopicPartition partition) {
    PartitionLedger ledger = ledgers.get(partition);
    return ledger != null && ledger.isBacklogged();
  }

  /** Running jobs past their task's deadline (none for a task without one). */
  List<JobExecution> overdue(Function<JobExecution, Duration> deadline, long nowNanos) {
    List<JobExecution> overdue = new ArrayList<>();
    for (JobExecution execution : running) {
      Duration limit = execution.isStartedAndUnfinished() ? deadline.apply(execution) : null;
      if (limit != null && !limit.isZero() && nowNanos - execution.startedNanos() > limit.toNanos()) {
        overdue.add(execution);
      }
    }
    return overdue;
  }

  /** Running jobs whose task gave no sign of life (start, progress, heartbeat) for longer than its heartbeat timeout. */
  List<JobExecution> silent(Function<JobExecution, Duration> heartbeatTimeout, long nowNanos) {
    List<JobExecution> silent = new ArrayList<>();
    for (JobExecution execution : running) {
      Duration limit = execution.isStartedAndUnfinished() ? heartbeatTimeout.apply(execution) : null;
      if (limit != null && !limit.isZero() && nowNanos - execution.lastSignNanos() > limit.toNanos()) {
        silent.add(execution);
      }
    }
    return silent;
  }

  /** Everything due now; see {@link #due(int)}. */
  CommitBatch due() {
    return due(Integer.MAX_VALUE);
  }

  /**
   * What the next transaction should write, with the results of at most {@code maxFinished} jobs
   * (interactive partitions first; within each priority the partitions take turns being first, so
   * none waits behind the others: a finished interactive job never waits for bulk results); nothing changes
   * until {@link #committed}. With a processing delay, Processing is due only for a job still
   * running that long after dispatch, and never for one that has ended (its terminal event
   * carries the attempts and start time).
   */
  CommitBatch due(int maxFinished) {
    long now = System.nanoTime();
    List<Announcement> announcements = new ArrayList<>();
    Map<TopicPartition, PartitionCommit> commits = new LinkedHashMap<>();
    List<TopicPartition> order = new ArrayList<>(ledgers.keySet());
    if (!order.isEmpty()) {
      Collections.rotate(order, -(firstPartition++ % order.size()));
      order.sort(Comparator.comparing(isBulk::test)); // stable: interactive first, each group still rotated
    }
    int budget = maxFinished;
    for (TopicPartition partition : order) {
      PartitionLedger ledger = ledgers.get(partition);
      boolean touched = false;
      for (JobExecution execution : ledger.held()) {
        if (processingDelayNanos > 0 && (execution.isFinished() || now - execution.dispatchedNanos() < processingDelayNanos)) {
          continue;
        }
        for (int attempt = execution.firstUnannouncedAttempt(); attempt <= execution.latestAttempt(); attempt++) {
          announcements.add(new Announcement(execution, attempt, null));
          touched = true;
        }
        // A running task's latest progress, at most once an interval; none for a job that has ended.
        JobExecution.Progress progress = execution.isStartedAndUnfinished() ? execution.progressDue(now, progressIntervalNanos) : null;
        if (progress != null) {
          announcements.add(new Announcement(execution, Math.max(1, execution.latestAttempt()), progress));
          touched = true;
        }
      }
      // A partition with only Processing events still commits its (unchanged) offset: that fences the write.
      if (touched || (budget > 0 && ledger.hasFinished())) {
        PartitionCommit commit = ledger.due(budget);
        budget -= commit.finished().size();
        commits.put(partition, commit);
      }
    }
    return new CommitBatch(announcements, commits);
  }

  /** The batch is committed: its announcements are done and its finished records leave. */
  void committed(CommitBatch batch) {
    long now = System.nanoTime();
    batch.announcements().forEach(a -> {
      a.execution().announced(a.attempt());
      if (a.progress() != null) {
        a.execution().progressPublished(a.progress(), now);
      }
    });
    batch.commits().forEach((partition, commit) -> {
      PartitionLedger ledger = ledgers.get(partition);
      if (ledger != null) {
        ledger.committed(commit);
      }
    });
  }

  /**
   * The outcome of a transaction was unknown and is now settled: per partition, the group's
   * committed offset and metadata say what committed; those records leave without being written again.
   *
   * @return the records that turned out committed
   */
  List<JobExecution> settle(Map<TopicPartition, CommitPoint> committed) {
    List<JobExecution> done = new ArrayList<>();
    committed.forEach((partition, point) -> {
      PartitionLedger ledger = ledgers.get(partition);
      if (ledger != null) {
        done.addAll(ledger.settle(point.offset(), point.metadata()));
      }
    });
    return done;
  }

  /** Gives up the records of these partitions (revoked or lost): their tasks are told to stop. Returns how many. */
  int handBack(Collection<TopicPartition> partitions) {
    int handedBack = 0;
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = ledgers.remove(partition);
      if (ledger != null) {
        handedBack += ledger.handBack();
      }
    }
    waiting.removeIf(execution -> partitions.contains(execution.partition()));
    waitingBulk.removeIf(execution -> partitions.contains(execution.partition()));
    running.removeIf(execution -> partitions.contains(execution.partition()));
    return handedBack;
  }

  /** Gives up every record (drain timeout). */
  int handBackAll() {
    return handBack(new ArrayList<>(ledgers.keySet()));
  }

  /** A partition's committed offset and its metadata. */
  record CommitPoint(long offset, String metadata) {}
}
