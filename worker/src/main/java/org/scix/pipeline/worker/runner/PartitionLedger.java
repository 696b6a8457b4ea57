package org.scix.pipeline.worker.runner;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One partition's records from its committed offset upward: plain logic, poll thread only.
 *
 * <p>Jobs finish in any order and each one's results commit as soon as it ends; the committed
 * offset stays at the first record still running, and the offsets above it that are done travel
 * in the offset's metadata ({@link CommitMetadata}), so a new owner skips them instead of running
 * them again. The same metadata carries the ids of recently committed jobs, to skip a second
 * record of the same job.
 */
final class PartitionLedger {
  private final ArrayDeque<JobExecution> held = new ArrayDeque<>(); // received, results not committed; offset order
  private CommitMetadata committed = CommitMetadata.empty();
  private long committedOffset = -1; // unknown until seeded or the first record arrives
  private long nextExpected = -1; // one past the last offset received

  /** What one transaction commits for this partition. */
  record PartitionCommit(List<JobExecution> finished, long nextOffset, String metadata, CommitMetadata after) {}

  /** Starts from the group's committed offset and its metadata (at assignment). */
  void seed(long offset, String metadata) {
    committedOffset = offset;
    committed = CommitMetadata.decode(metadata, offset);
  }

  /**
   * Takes a received record, in offset order.
   *
   * @return why it must not run (its job already ran), or null
   */
  String add(JobExecution execution) {
    if (committedOffset < 0) {
      committedOffset = execution.offset();
    }
    nextExpected = execution.offset() + 1;
    String skip = null;
    if (committed.done().contains(execution.offset())) {
      skip = "already done (committed before this worker took the partition)";
    } else if (execution.isJob() && isKnownJob(execution.jobId())) {
      skip = "a second record of a job already taken (two submissions raced on one idempotency key)";
    }
    held.addLast(execution);
    return skip;
  }

  private boolean isKnownJob(String jobId) {
    if (committed.recent().contains(CommitMetadata.shortId(jobId))) {
      return true;
    }
    for (JobExecution other : held) {
      if (other.isJob() && other.jobId().equals(jobId)) {
        return true;
      }
    }
    return false;
  }

  Iterable<JobExecution> held() {
    return held;
  }

  int size() {
    return held.size();
  }

  /** Whether a held record has ended and waits for its results to be committed. */
  boolean hasFinished() {
    for (JobExecution execution : held) {
      if (execution.isFinished()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The commit for the first {@code maxFinished} finished records (in offset order), or fewer if
   * their done offsets would not fit in the metadata.
   */
  PartitionCommit due(int maxFinished) {
    List<JobExecution> finished = new ArrayList<>();
    for (JobExecution execution : held) {
      if (finished.size() >= maxFinished) {
        break;
      }
      if (execution.isFinished()) {
        finished.add(execution);
      }
    }
    for (int count = finished.size(); ; count--) {
      PartitionCommit commit = commitOf(finished.subList(0, count));
      if (count == 0 || commit.metadata().length() <= CommitMetadata.MAX_CHARS) {
        return commit;
      }
    }
  }

  private PartitionCommit commitOf(List<JobExecution> finished) {
    Set<Long> committing = new HashSet<>();
    finished.forEach(execution -> committing.add(execution.offset()));
    long next = nextExpected < 0 ? committedOffset : nextExpected;
    for (JobExecution execution : held) {
      if (!committing.contains(execution.offset())) {
        next = execution.offset(); // the first record still running (or not started) holds the offset back
        break;
      }
    }
    TreeSet<Long> done = new TreeSet<>(committed.done());
    done.addAll(committing);
    TreeSet<Long> stillAbove = new TreeSet<>(done.tailSet(next, true));
    List<String> ids = new ArrayList<>();
    finished.forEach(execution -> {
      if (execution.isJob()) {
        ids.add(CommitMetadata.shortId(execution.jobId()));
      }
    });
    CommitMetadata after = new CommitMetadata(stillAbove, CommitMetadata.withRecent(committed.recent(), ids));
    return new PartitionCommit(List.copyOf(finished), next, after.encode(next), after);
  }

  /** The commit went through: its records leave. */
  void committed(PartitionCommit commit) {
    held.removeAll(commit.finished());
    committedOffset = commit.nextOffset();
    committed = commit.after();
  }

  /**
   * A transaction whose outcome was unknown is settled: what the group's committed offset and its
   * metadata now say is the truth. Records below it, or listed done, committed with their results
   * and leave without being written again.
   *
   * @return the records that turned out committed
   */
  List<JobExecution> settle(long offset, String metadata) {
    seed(offset, metadata);
    List<JobExecution> done = new ArrayList<>();
    held.removeIf(execution -> {
      boolean committedAlready = execution.offset() < offset || committed.done().contains(execution.offset());
      if (committedAlready) {
        done.add(execution);
      }
      return committedAlready;
    });
    return done;
  }

  /** Gives up every held record: their tasks are told to stop. Returns how many. */
  int handBack() {
    int count = held.size();
    held.forEach(JobExecution::abandon);
    held.clear();
    return count;
  }

  /** For tests and logs. */
  LinkedHashSet<String> recentJobIds() {
    return committed.recent();
  }
}
