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
 * replica's batch producer, taken from the split range and the caller's stream while the
 * transaction is open (never the whole batch in memory); a bad entry, a batch over the maximum, a
 * caller who stops sending or a Kafka failure aborts it, and nothing of it is ever visible.
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
   * Writes batch {@code batchId}: one job per split daterange, then one per daterange of {@code listed}.
   *
   * @return how many jobs it has
   * @throws InvalidRequestException if an entry is malformed, or the batch is empty or too large
   * @throws OperationTimeoutException if the call outlived the batch timeout
   * @throws SubmissionFailedException if Kafka did not take it (or may have: the message names the batch)
   */
  public long write(String batchId, BatchPlan plan, BatchSource listed) throws InterruptedException {
    if (plan.splitJobs() > settings.maxJobs()) {
      throw refused(new InvalidRequestException("split: makes " + plan.splitJobs() + " jobs, more than the " + settings.maxJobs()
          + " a batch may have (" + BatchSettings.MAX_JOBS + ")"));
    }
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    lock(deadline);
    try {
      long[] count = {0};
      RuntimeException[] why = {null};
      try {
        writer.write(transaction -> {
          try {
            Iterator<String> split = plan.splitDateranges();
            while (split.hasNext()) {
              send(transaction, batchId, plan, split.next(), count[0]++);
            }
            String daterange;
            while ((daterange = listed.next()) != null) {
              BatchPlan.checkDaterange(daterange, count[0]);
              if (count[0] >= settings.maxJobs()) {
                throw new InvalidRequestException("dateranges: more than the " + settings.maxJobs() + " jobs a batch may have ("
                    + BatchSettings.MAX_JOBS + "); nothing of it was submitted");
              }
              send(transaction, batchId, plan, daterange, count[0]++);
              if (System.nanoTime() > deadline) {
                throw new OperationTimeoutException("the batch took longer than " + settings.timeout().toSeconds() + " s ("
                    + BatchSettings.TIMEOUT + "); nothing of it was submitted");
              }
            }
            if (count[0] == 0) {
              throw new InvalidRequestException("a batch needs jobs: give split or dateranges");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why[0] = new OperationTimeoutException("interrupted while reading the batch");
            throw why[0];
          } catch (InvalidRequestException | OperationTimeoutException e) {
            why[0] = e;
            throw e;
          }
        });
      } catch (TransactionalWriter.Aborted e) {
        throw refused(why[0] != null ? why[0] : SubmissionFailedException.notAccepted(
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
      log.info("batch {} submitted: {} job(s) of task {}, {}", batchId, count[0], plan.task(), plan.priority().wireName());
      return count[0];
    } finally {
      oneAtATime.unlock();
    }
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

  private RuntimeException refused(RuntimeException why) {
    batchesRefused.increment();
    return why;
  }

  @Override
  public void close() {
    writer.close(Duration.ofSeconds(5));
  }
}
