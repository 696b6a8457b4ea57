package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * One partition's records from its committed offset upward: plain logic, poll thread only.
 *
 * <p>Jobs finish in any order and each one's results commit as soon as it ends; the committed
 * offset stays at the first record still running, and the offsets above it that are done travel
 * in the offset's metadata ({@link CommitMetadata}), so a new owner skips them instead of running
 * them again. The same metadata carries the ids of recently committed jobs whose id can come
 * again, to skip a second record of the same job ({@link CommitMetadata}).
 *
 * <p>A ledger exists only once seeded from the group's committed offset and metadata: a partition
 * that took records before would run its done offsets again.
 */
final class PartitionLedger {
  private final ArrayDeque<JobExecution> held = new ArrayDeque<>(); // received, results not committed; offset order
  private final Duration duplicateWindow;
  private final boolean parkedTopic; // a job parked from here goes back here: its park does not make it taken
  private CommitMetadata committed = CommitMetadata.empty();
  private long committedOffset = -1; // none committed yet: the first record received sets it
  private long nextExpected = -1; // one past the last offset received
  private boolean metadataFull; // the last due() left finished records out: their done offsets did not fit

  /** What one transaction commits for this partition. */
  record PartitionCommit(List<JobExecution> finished, long nextOffset, String metadata, CommitMetadata after) {}

  /**
   * Above this many held records a partition takes no more (its consumer pauses it): behind a job
   * that never ends, what finishes after it cannot leave until it does.
   */
  static final int MAX_HELD = 10_000;

  private PartitionLedger(Duration duplicateWindow, boolean parkedTopic) {
    this.duplicateWindow = duplicateWindow;
    this.parkedTopic = parkedTopic;
  }

  /**
   * A ledger starting from the group's committed offset and its metadata ({@code null}: nothing
   * committed yet), keeping the ids of its jobs for {@code duplicateWindow} of record time.
   *
   * @param parkedTopic whether the partition is of the parked topic, where a job parked again
   *     (its task paused again before it started) comes back to the same partition
   */
  static PartitionLedger seededFrom(OffsetAndMetadata committed, Duration duplicateWindow, boolean parkedTopic) {
    PartitionLedger ledger = new PartitionLedger(duplicateWindow, parkedTopic);
    if (committed != null) {
      ledger.seed(committed.offset(), committed.metadata());
    }
    return ledger;
  }

  private void seed(long offset, String metadata) {
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
    if (committed.recent().containsKey(CommitMetadata.shortId(jobId))) {
      return true;
    }
    for (JobExecution other : held) {
      if (other.isJob() && other.jobId().equals(jobId) && !isParkedHere(other)) {
        return true;
      }
    }
    return false;
  }

  /** A record parked again from the parked topic: its new copy comes to this partition and is the job, not a second record of it. */
  private boolean isParkedHere(JobExecution execution) {
    return parkedTopic && execution.isFinished() && execution.outcome().park();
  }

  Iterable<JobExecution> held() {
    return held;
  }

  int size() {
    return held.size();
  }

  /**
   * Whether the partition should take no more records for now: it holds {@link #MAX_HELD}, or its
   * last commit could not carry every finished record because their done offsets (split into
   * ranges by jobs still running below them) no longer fit in the metadata.
   */
  boolean isBacklogged() {
    return metadataFull || held.size() >= MAX_HELD;
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
        metadataFull = count < finished.size();
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
    // Only a record whose results are written, or that is parked (its copy runs later), marks its
    // job taken. A skipped second record of a job whose first still runs must not: a new owner
    // would then skip the first one too. Nor a record parked again from the parked topic: its copy
    // comes back here. An id drawn at random cannot come again: not kept.
    Map<String, Long> ids = new LinkedHashMap<>();
    finished.forEach(execution -> {
      if (execution.isJob() && !execution.hasFreshId() && (execution.outcome().writes() || (execution.outcome().park() && !parkedTopic))) {
        ids.put(CommitMetadata.shortId(execution.jobId()), execution.record().timestamp());
      }
    });
    CommitMetadata after = new CommitMetadata(stillAbove, CommitMetadata.withRecent(committed.recent(), ids, duplicateWindow));
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
  java.util.Set<String> recentJobIds() {
    return committed.recent().keySet();
  }
}
