package org.scix.pipeline.worker.runner;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What one worker transaction writes: Processing for each attempt not yet announced, per partition
 * the finished jobs at the head of its queue (offset order), and an input offset for <em>every</em>
 * partition the transaction touches: one past its last finished job, or, where nothing finished,
 * the offset already committed. Committing offsets fences the whole transaction by the group
 * generation (KIP-447), so a worker that lost its partitions cannot commit anything about them,
 * not even a Processing event after the new owner's terminal one.
 */
record CommitBatch(List<Announcement> announcements, Map<TopicPartition, List<JobExecution>> finished,
    Map<TopicPartition, Long> nextOffsets) {
  /** Processing for {@code attempt} of a job. */
  record Announcement(JobExecution execution, int attempt) {}

  boolean isEmpty() {
    return announcements.isEmpty() && finished.isEmpty();
  }
}
