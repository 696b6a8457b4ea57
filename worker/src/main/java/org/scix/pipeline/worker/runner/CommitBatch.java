package org.scix.pipeline.worker.runner;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.worker.runner.PartitionLedger.PartitionCommit;

/**
 * What one worker transaction writes: Processing for each attempt not yet announced, and for every
 * partition it touches a {@link PartitionCommit}: the records that finished (whatever still runs
 * before them), and the offset and metadata to commit. Committing offsets fences the whole
 * transaction by the group generation (KIP-447), so a worker that lost its partitions cannot
 * commit anything about them, not even a Processing event after the new owner's terminal one.
 */
record CommitBatch(List<Announcement> announcements, Map<TopicPartition, PartitionCommit> commits) {
  /** Processing for {@code attempt} of a job, with its task's latest progress (null: none to publish). */
  record Announcement(JobExecution execution, int attempt, JobExecution.Progress progress) {}

  boolean isEmpty() {
    return announcements.isEmpty() && commits.values().stream().allMatch(c -> c.finished().isEmpty());
  }

  /** The records whose results this batch writes. */
  List<JobExecution> finished() {
    return commits.values().stream().flatMap(c -> c.finished().stream()).toList();
  }
}
