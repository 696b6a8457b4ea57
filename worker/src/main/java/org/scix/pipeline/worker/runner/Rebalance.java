package org.scix.pipeline.worker.runner;

import java.util.Collection;
import java.util.HashSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the worker does when the group moves partitions (cooperative rebalancing: only the moved
 * ones are touched). Runs inside poll(), on the poll thread: revoked partitions commit what
 * finished and hand the rest back; assigned ones continue where the previous owner left off.
 */
final class Rebalance implements ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(Rebalance.class);

  private final LoopSettings settings;
  private final Consumer<String, byte[]> consumer;
  private final InFlightJobs jobs;
  private final DueCommits committer;
  private final PartitionSeeding seeding;
  private final BooleanSupplier running;

  Rebalance(LoopSettings settings, Consumer<String, byte[]> consumer, InFlightJobs jobs, DueCommits committer,
      PartitionSeeding seeding, BooleanSupplier running) {
    this.settings = settings;
    this.consumer = consumer;
    this.jobs = jobs;
    this.committer = committer;
    this.seeding = seeding;
    this.running = running;
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    // Give running jobs of these partitions a bounded chance to finish and commit, well under
    // max.poll.interval.ms; then commit what finished and hand the rest back.
    long deadline = System.nanoTime() + settings.revocationWait().toNanos();
    while (System.nanoTime() < deadline && jobs.hasStartedUnfinished(partitions) && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(20_000_000);
    }
    try {
      committer.commitNow(); // after the commit in flight ends: nothing of these partitions may be written once they are gone
    } finally {
      // Whatever happened, these records leave: kept, they would be written later for a partition another worker owns.
      int handedBack = jobs.handBack(partitions);
      if (handedBack > 0) {
        log.info("partitions {} revoked; handing back {} unfinished or uncommitted record(s)", partitions, handedBack);
      }
    }
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    log.warn("partitions {} lost; their jobs will run again on their new owner", partitions);
    try {
      committer.awaitInFlight(); // its outcome must be taken back before these partitions can be assigned afresh
    } finally {
      jobs.handBack(partitions);
    }
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    log.info("worker {} assigned {}", settings.workerName(), partitions);
    try {
      seeding.seed(new HashSet<>(partitions));
    } catch (RuntimeException e) {
      // Not thrown into poll(): the partitions are assigned anyway, and each is seeded before it takes a record.
      log.warn("cannot read the committed offsets of {} yet ({}); they are read again before their first record", partitions,
          e.toString());
    }
    if (!running.getAsBoolean()) {
      consumer.pause(partitions);
    }
  }
}
