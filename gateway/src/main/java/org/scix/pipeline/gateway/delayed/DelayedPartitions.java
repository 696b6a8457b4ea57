package org.scix.pipeline.gateway.delayed;

import java.util.concurrent.atomic.AtomicInteger;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many partitions the delayed topic has. Delayed jobs and their cancel requests are placed by
 * it ({@link DelayedRecords#partitionFor}), on every replica, so a cancel meets its job only if all
 * replicas follow when partitions are added. It starts from the count read at start; the owned-work
 * thread keeps it current ({@link WaitingJobs#partitionCount}). It only grows: Kafka never removes
 * partitions, and a stale metadata answer must not move placement back.
 */
public final class DelayedPartitions {
  private static final Logger log = LoggerFactory.getLogger(DelayedPartitions.class);

  private final AtomicInteger count;

  public DelayedPartitions(int count) {
    this.count = new AtomicInteger(count);
  }

  public int count() {
    return count.get();
  }

  /** The partition of a delayed job and of any cancel request for it, by the current count. */
  public int partitionFor(String jobId) {
    return DelayedRecords.partitionFor(jobId, count());
  }

  void update(int partitions) {
    int before = count.getAndAccumulate(partitions, Math::max);
    if (partitions > before) {
      log.info("the delayed topic has {} partitions now (was {}): delayed jobs and cancels are placed by the new count", partitions, before);
    }
  }
}
