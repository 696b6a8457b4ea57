package org.scix.pipeline.gateway.submit;

import java.util.concurrent.ThreadLocalRandom;
import org.scix.pipeline.core.job.JobIds;

/**
 * Draws the ids of jobs submitted without a key so that jobs submitted close together land on one
 * input partition (and their Pendings on one status partition): a submit transaction then touches
 * two partitions instead of one per job, so it costs the broker two transaction markers, not
 * dozens, and a worker's transaction that ends those jobs touches few partitions too. The target
 * partition moves on, at random, every {@code span} or {@code maxPerPartition} ids, so load
 * spreads over every partition within milliseconds. Records stay keyed by job id, as every reader
 * of the topics expects; only the choice of the id's random bits changes.
 */
final class FreshJobIds {
  private final int partitions;
  private final long spanNanos;
  private final int maxPerPartition;
  private int partition;
  private long chosenAtNanos;
  private int drawn;

  /**
   * @param partitions how many partitions the input and status topics have
   * @param span how long ids keep to one partition
   * @param maxPerPartition how many ids at most keep to one partition
   */
  FreshJobIds(int partitions, java.time.Duration span, int maxPerPartition) {
    if (partitions < 1 || maxPerPartition < 1) {
      throw new IllegalArgumentException("partitions and maxPerPartition must be >= 1");
    }
    this.partitions = partitions;
    this.spanNanos = span.toNanos();
    this.maxPerPartition = maxPerPartition;
    this.partition = ThreadLocalRandom.current().nextInt(partitions);
    this.chosenAtNanos = System.nanoTime();
  }

  String next() {
    return JobIds.randomOnPartition(target(System.nanoTime()), partitions);
  }

  /** The partition the next id goes to (moving on when the span or the count is used up). */
  synchronized int target(long nowNanos) {
    if (++drawn > maxPerPartition || nowNanos - chosenAtNanos >= spanNanos) {
      partition = partitions == 1 ? 0 : (partition + 1 + ThreadLocalRandom.current().nextInt(partitions - 1)) % partitions;
      chosenAtNanos = nowNanos;
      drawn = 1;
    }
    return partition;
  }
}
