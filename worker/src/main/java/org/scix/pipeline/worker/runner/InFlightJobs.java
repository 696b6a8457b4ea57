package org.scix.pipeline.worker.runner;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.worker.runner.CommitBatch.Announcement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records a worker holds, per partition in offset order, from receipt until their results are
 * committed. Plain bookkeeping owned by the poll thread: jobs may finish in any order, but a
 * partition's results are committed in offset order, so its committed offset never passes a job
 * that has not ended.
 */
final class InFlightJobs {
  private static final Logger log = LoggerFactory.getLogger(InFlightJobs.class);
  private final Map<TopicPartition, ArrayDeque<JobExecution>> byPartition = new HashMap<>();
  private int size;

  void add(JobExecution execution) {
    byPartition.computeIfAbsent(execution.partition(), p -> new ArrayDeque<>()).addLast(execution);
    size++;
  }

  /** Records held, finished or not. */
  int size() {
    return size;
  }

  /** Jobs holding (or queued for) a task thread. */
  int runningTasks() {
    int running = 0;
    for (ArrayDeque<JobExecution> queue : byPartition.values()) {
      for (JobExecution execution : queue) {
        if (execution.isRunning()) {
          running++;
        }
      }
    }
    return running;
  }

  /** Whether any job of these partitions is running on a task thread. */
  boolean hasStartedUnfinished(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      for (JobExecution execution : byPartition.getOrDefault(partition, new ArrayDeque<>())) {
        if (execution.isStartedAndUnfinished()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Cancels job {@code jobId} of {@code partition} if it is held and has not ended. A cancel
   * request follows its job on the same partition, so a job not held here has already been
   * committed with its terminal status.
   *
   * @return whether the job is held here
   */
  boolean cancel(TopicPartition partition, String jobId) {
    boolean found = false;
    for (JobExecution execution : byPartition.getOrDefault(partition, new ArrayDeque<>())) {
      if (execution.isJob() && execution.jobId().equals(jobId)) {
        found = true;
        if (!execution.isFinished() && !execution.isCancelled()) {
          log.info("job {} cancelled while running", jobId);
          execution.cancel();
        }
      }
    }
    return found;
  }

  /** What the next transaction should write; nothing changes until {@link #committed}. */
  CommitBatch due() {
    List<Announcement> announcements = new ArrayList<>();
    Map<TopicPartition, List<JobExecution>> finished = new LinkedHashMap<>();
    Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    byPartition.forEach((partition, queue) -> {
      boolean head = true;
      boolean touched = false;
      for (JobExecution execution : queue) {
        for (int attempt = execution.firstUnannouncedAttempt(); attempt <= execution.latestAttempt(); attempt++) {
          announcements.add(new Announcement(execution, attempt));
          touched = true;
        }
        if (head && execution.isFinished()) {
          finished.computeIfAbsent(partition, p -> new ArrayList<>()).add(execution);
          nextOffsets.put(partition, execution.offset() + 1);
        } else {
          head = false;
        }
      }
      if (touched && !queue.isEmpty()) {
        // Everything before the queue's head is committed: re-committing its offset moves nothing but fences the write.
        nextOffsets.putIfAbsent(partition, queue.peekFirst().offset());
      }
    });
    return new CommitBatch(announcements, finished, nextOffsets);
  }

  /**
   * The outcome of a transaction was unknown and is now settled: the records below the committed
   * offsets did commit, with their results, so they leave without being written again.
   *
   * @return the jobs that turned out committed
   */
  List<JobExecution> dropCommitted(Map<TopicPartition, Long> committedOffsets) {
    List<JobExecution> dropped = new ArrayList<>();
    committedOffsets.forEach((partition, committed) -> {
      ArrayDeque<JobExecution> queue = byPartition.get(partition);
      while (queue != null && !queue.isEmpty() && queue.peekFirst().offset() < committed) {
        dropped.add(queue.pollFirst());
        size--;
      }
    });
    return dropped;
  }

  /** The batch is committed: its announcements are done and its finished jobs leave. */
  void committed(CommitBatch batch) {
    batch.announcements().forEach(a -> a.execution().announced(a.attempt()));
    batch.finished().forEach((partition, jobs) -> {
      ArrayDeque<JobExecution> queue = byPartition.get(partition);
      for (int i = 0; i < jobs.size() && queue != null; i++) {
        queue.pollFirst();
        size--;
      }
    });
  }

  /** Gives up the jobs of these partitions (revoked or lost): their tasks are told to stop. Returns how many. */
  int handBack(Collection<TopicPartition> partitions) {
    int handedBack = 0;
    for (TopicPartition partition : partitions) {
      ArrayDeque<JobExecution> queue = byPartition.remove(partition);
      if (queue != null) {
        queue.forEach(JobExecution::abandon);
        handedBack += queue.size();
      }
    }
    size -= handedBack;
    return handedBack;
  }

  /** Gives up every job (drain timeout). */
  int handBackAll() {
    return handBack(new ArrayList<>(byPartition.keySet()));
  }
}
