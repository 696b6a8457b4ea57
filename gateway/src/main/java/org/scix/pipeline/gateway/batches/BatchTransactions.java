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
 * replica's batch producer. The batch comes staged ({@link StagedDateranges}: read from the caller and
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
   * Writes batch {@code batchId}: one job per daterange of {@code plan}'s split range, then one per
   * daterange {@code listed}, in one transaction.
   *
   * @return how many jobs it has
   * @throws InvalidRequestException if the batch is empty or too large
   * @throws OperationTimeoutException if another batch held this replica's writer for the whole batch timeout
   * @throws SubmissionFailedException if Kafka did not take it (or may have: the message names the batch)
   */
  public long write(String batchId, BatchPlan plan, StagedDateranges listed) throws InterruptedException {
    check(plan, listed);
    return exclusively(() -> {
      long[] count = {0};
      try {
        writer.write(transaction -> {
          Iterator<String> dateranges = listed.dateranges(plan);
          while (dateranges.hasNext()) {
            send(transaction, batchId, plan, dateranges.next(), count[0]++);
          }
        });
      } catch (TransactionalWriter.Aborted e) {
        throw refused(SubmissionFailedException.notAccepted(
            "Kafka did not take the batch, nothing of it was submitted: " + e.getMessage(), e));
      } catch (TransactionalWriter.OutcomeUnknown e) {
        throw refused(SubmissionFailedException.batchOutcomeUnknown(batchId, e));
      } catch (TransactionalWriter.Fenced e) {
        throw refused(SubmissionFailedException.notAccepted("this gateway replica was fenced by another with its instance id; "
            + "retry on another replica", e));
      }
      jobsWritten.increment(count[0]);
      log.info("batch {} submitted: {} job(s) of task {}, {}", batchId, count[0], plan.task(), plan.priority().wireName());
      return count[0];
    });
  }

  /**
   * Reads the dateranges a caller lists to their end and checks them, before anything is written.
   *
   * @param splitJobs how many jobs the batch's split range makes, if known already (else 0)
   * @throws InvalidRequestException naming the first bad entry, or if the batch gets too large
   * @throws OperationTimeoutException if the caller stopped sending, or took longer than the batch timeout
   */
  public StagedDateranges stage(BatchSource listed, long splitJobs) throws InterruptedException {
    try {
      checkSplit(splitJobs);
      return StagedDateranges.stage(listed, settings.maxJobs() - splitJobs, settings);
    } catch (InvalidRequestException | OperationTimeoutException e) {
      throw refused(e);
    }
  }

  /** @throws InvalidRequestException if the batch has no jobs or more than a batch may have */
  public void check(BatchPlan plan, StagedDateranges listed) {
    try {
      checkSplit(plan.splitJobs());
      if (plan.splitJobs() + listed.size() > settings.maxJobs()) {
        throw new InvalidRequestException("dateranges: more than the " + settings.maxJobs() + " jobs a batch may have ("
            + BatchSettings.MAX_JOBS + "); nothing of it was submitted");
      }
      if (plan.splitJobs() + listed.size() == 0) {
        throw new InvalidRequestException("a batch needs jobs: give split or dateranges");
      }
    } catch (InvalidRequestException e) {
      throw refused(e);
    }
  }

  private void checkSplit(long splitJobs) {
    if (splitJobs > settings.maxJobs()) {
      throw new InvalidRequestException("split: makes " + splitJobs + " jobs, more than the " + settings.maxJobs()
          + " a batch may have (" + BatchSettings.MAX_JOBS + ")");
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
