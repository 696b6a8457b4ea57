package org.scix.pipeline.worker.runner;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What one worker transaction writes: Processing for each attempt not yet announced, and per
 * partition the finished jobs at the head of its queue (offset order), with the input offset to
 * commit after them.
 */
record CommitBatch(List<Announcement> announcements, Map<TopicPartition, List<JobExecution>> finished) {
  /** Processing for {@code attempt} of a job. */
  record Announcement(JobExecution execution, int attempt) {}

  boolean isEmpty() {
    return announcements.isEmpty() && finished.isEmpty();
  }

  /** Per partition, the offset of the next record to read: one past its last finished job. */
  Map<TopicPartition, Long> nextOffsets() {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    finished.forEach((partition, jobs) -> offsets.put(partition, jobs.get(jobs.size() - 1).offset() + 1));
    return offsets;
  }
}
