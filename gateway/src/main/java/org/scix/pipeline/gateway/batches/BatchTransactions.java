package org.scix.pipeline.gateway.batches;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.submit.JobRecords;
import org.scix.pipeline.gateway.submit.SubmissionFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch, all or nothing: every job and its Pending go into one Kafka transaction of this
 * replica's batch producer. The batch comes staged ({@link StagedBatch}: read from the caller and
 * checked before this runs), so the transaction is open only while its records are written, never
 * while a caller sends; a Kafka failure aborts it, and nothing of it is ever visible.
 * One batch is written at a time; the next waits.
 */
public final class BatchTransactions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchTransactions.class);

  private final TransactionalWriter writer;
  private final JobRecords records;
  private final TopicSettings topics;
  private final BatchSettings settings;
  private final ReentrantLock oneAtATime = new ReentrantLock(true);
  private final Counter jobsWritten;
  private final Counter batchesRefused;

  public BatchTransactions(TransactionalWriter writer, JobRecords records, TopicSettings topics, BatchSettings settings,
      MeterRegistry metrics) {
    this.writer = writer;
    this.records = records;
    this.topics = topics;
    this.settings = settings;
    this.jobsWritten = Counter.builder("pipeline.batches.jobs").description("Jobs submitted in committed batches").register(metrics);
    this.batchesRefused = Counter.builder("pipeline.batches.refused").description("Batch calls refused or not committed")
        .register(metrics);
  }

  /** Registers the producer with the topics it writes (fencing a predecessor with its transactional id). */
  public void init() {
    writer.init(List.of(topics.input(), topics.bulkInput(), topics.status(), topics.control()));
  }

  /**
   * Writes staged batch {@code batchId}: one job per daterange, in the batch's order.
   *
   * @return how many jobs it has
   * @throws OperationTimeoutException if another batch held this replica's writer for the whole batch timeout
   * @throws SubmissionFailedException if Kafka did not take it (or may have: the message names the batch)
   */
  public long write(String batchId, StagedBatch batch) throws InterruptedException {
    return exclusively(() -> {
      long[] count = {0};
      try {
        writer.write(transaction -> {
          Iterator<String> dateranges = batch.dateranges();
          while (dateranges.hasNext()) {
            send(transaction, batchId, batch.plan(), dateranges.next(), count[0]++);
          }
        });
      } catch (TransactionalWriter.Aborted e) {
        throw refused(SubmissionFailedException.notAccepted(
            "Kafka did not take the batch, nothing of it was submitted: " + e.getMessage(), e));
      } catch (TransactionalWriter.OutcomeUnknown e) {
        batchesRefused.increment();
        throw SubmissionFailedException.batchOutcomeUnknown(batchId, e);
      } catch (TransactionalWriter.Fenced e) {
        batchesRefused.increment();
        throw SubmissionFailedException.notAccepted("this gateway replica was fenced by another with its instance id; "
            + "retry on another replica", e);
      }
      jobsWritten.increment(count[0]);
      log.info("batch {} submitted: {} job(s) of task {}, {}", batchId, count[0], batch.plan().task(), batch.plan().priority().wireName());
      return count[0];
    });
  }

  /**
   * Reads a batch from its caller to the end and checks it, before anything is written; see {@link StagedBatch#stage}.
   * A refused one is counted with the batches Kafka did not take.
   */
  public StagedBatch stage(BatchPlan plan, BatchSource listed) throws InterruptedException {
    try {
      return StagedBatch.stage(plan, listed, settings);
    } catch (InvalidRequestException | OperationTimeoutException e) {
      throw refused(e);
    }
  }

  private RuntimeException refused(RuntimeException why) {
    batchesRefused.increment();
    return why;
  }

  /** Work done while no batch is written on this replica (the lock is reentrant: {@code work} may {@link #write}). */
  public <T> T exclusively(Work<T> work) throws InterruptedException {
    lock(System.nanoTime() + settings.timeout().toNanos());
    try {
      return work.run();
    } finally {
      oneAtATime.unlock();
    }
  }

  @FunctionalInterface
  public interface Work<T> {
    T run() throws InterruptedException;
  }

  /**
   * Cancels a batch: a record on the control topic, which every worker reads before it starts a
   * job, so no job of the batch starts once workers have read it, and those running are stopped.
   */
  public void cancel(String batchId) throws InterruptedException {
    lock(System.nanoTime() + settings.timeout().toNanos());
    try {
      writer.write(transaction -> transaction.send(BatchRecords.cancelled(topics.control(), batchId, System.currentTimeMillis())));
      log.info("batch {} cancelled", batchId);
    } catch (TransactionalWriter.Aborted e) {
      throw SubmissionFailedException.notAccepted("Kafka did not take the cancel: " + e.getMessage(), e);
    } catch (TransactionalWriter.OutcomeUnknown e) {
      throw SubmissionFailedException.batchOutcomeUnknown(batchId, e);
    } finally {
      oneAtATime.unlock();
    }
  }

  private void send(TransactionalWriter.Transaction transaction, String batchId, BatchPlan plan, String daterange, long index) {
    String jobId = JobIds.forBatchEntry(batchId, index);
    records.batchJob(jobId, plan.job(jobId, daterange), batchId, plan.priority()).forEach(transaction::send);
  }

  private void lock(long deadlineNanos) throws InterruptedException {
    if (!oneAtATime.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      throw refused(new OperationTimeoutException("another batch was being written on this replica for longer than "
          + settings.timeout().toSeconds() + " s; retry"));
    }
  }

  @Override
  public void close() {
    writer.close(Duration.ofSeconds(5));
  }
}
