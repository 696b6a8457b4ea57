package org.scix.pipeline.worker.runner;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.worker.runner.InFlightJobs.CommitPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what is due in one transaction and decides what a failure means: an aborted transaction
 * is simply written again next turn (nothing is forgotten before it commits); one whose outcome is
 * unknown is settled first, so no job's results are ever written twice. Poll thread only.
 */
final class DueCommits {
  private static final Logger log = LoggerFactory.getLogger(DueCommits.class);

  private final InFlightJobs jobs;
  private final BatchWriter batches;
  private final Consumer<String, byte[]> consumer;
  private final WorkerMetrics metrics;

  DueCommits(InFlightJobs jobs, BatchWriter batches, Consumer<String, byte[]> consumer, WorkerMetrics metrics) {
    this.jobs = jobs;
    this.batches = batches;
    this.consumer = consumer;
    this.metrics = metrics;
  }

  void commitDue() {
    CommitBatch batch = jobs.due();
    if (batch.isEmpty()) {
      return;
    }
    try {
      batches.write(batch, consumer.groupMetadata());
    } catch (TransactionalWriter.Aborted e) {
      // The broker refused some job's record: that job alone ends Error; the rest is written again next turn.
      batches.takeUnwritable().forEach((execution, reason) -> {
        log.warn("job {}: its results cannot be written ({}); it ends in Error", execution.jobId(), reason);
        execution.resultUnwritable("results could not be written: " + reason);
      });
      log.warn("transaction failed, will retry: {}", e.getMessage());
      return;
    } catch (SerializationException e) {
      log.warn("cannot serialize the batch yet, will retry: {}", e.getMessage());
      return;
    } catch (TransactionalWriter.OutcomeUnknown e) {
      log.warn("transaction outcome unknown, settling it before writing again: {}", e.getMessage());
      settleUnknownOutcome();
      return;
    }
    jobs.committed(batch);
    metrics.committed(batch);
  }

  /**
   * A commit whose outcome is unknown may have happened. A new producer settles it (its
   * initTransactions completes or aborts the transaction in doubt); then the committed offsets
   * and their metadata say which records committed, and those leave without being written again.
   */
  private void settleUnknownOutcome() {
    batches.init();
    Map<TopicPartition, CommitPoint> committed = new HashMap<>();
    consumer.committed(consumer.assignment()).forEach((partition, offset) -> {
      if (offset != null) {
        committed.put(partition, new CommitPoint(offset.offset(), offset.metadata()));
      }
    });
    List<JobExecution> done = jobs.settle(committed);
    if (!done.isEmpty()) {
      log.info("{} record(s) turned out committed; not written again", done.size());
      metrics.ended(done);
    }
  }
}
