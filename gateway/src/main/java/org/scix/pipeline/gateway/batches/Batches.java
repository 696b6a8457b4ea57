package org.scix.pipeline.gateway.batches;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.status.JobStore.BatchEntry;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.schemas.batch.BatchJob;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches, as every surface (gRPC, JSON, CLI, dashboard) offers them: submit one, count its jobs
 * by status, page through its jobs, cancel it. Counts and pages come from the status view's batch
 * index after a read barrier, so any replica answers for a batch another one accepted.
 */
public final class Batches {
  public static final int MAX_PAGE = 1000;
  private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256; // as for a job's key
  private static final Logger log = LoggerFactory.getLogger(Batches.class);

  private final BatchTransactions transactions;
  private final StatusView view;
  private final StatusViewSync sync;
  private final Duration syncTimeout;
  private final Duration idempotencyWindow;
  private final Clock clock;

  /** @param idempotencyWindow a repeat of an idempotency key within this time maps to the same batch ({@code IDEMPOTENCY_WINDOW_MS}) */
  public Batches(BatchTransactions transactions, StatusView view, StatusViewSync sync, Duration syncTimeout, Duration idempotencyWindow,
      Clock clock) {
    this.transactions = transactions;
    this.view = view;
    this.sync = sync;
    this.syncTimeout = syncTimeout;
    this.idempotencyWindow = idempotencyWindow;
    this.clock = clock;
  }

  /** Reads and checks the dateranges a caller lists, to their end, before anything of the batch is written; see {@link #submit}. */
  public StagedDateranges stage(BatchSource listed, long splitJobs) throws InterruptedException {
    return transactions.stage(listed, splitJobs);
  }

  /** {@link #stage} then {@link #submit(BatchPlan, StagedDateranges, String)}. */
  public BatchSummary submit(BatchPlan plan, BatchSource listed, String idempotencyKey) throws InterruptedException {
    return submit(plan, stage(listed, plan.splitJobs()), idempotencyKey);
  }

  /**
   * Submits a batch (all of it, or nothing) in one short transaction, the caller's dateranges
   * staged whole beforehand; every job is Pending when this returns.
   *
   * @param idempotencyKey null: a new batch id. Else the id is derived from the key and the time
   *     window, as a job's is: a repeat within one window, on any replica, answers the batch it
   *     made (its counts now) and writes nothing; what the repeat lists is not compared.
   */
  public BatchSummary submit(BatchPlan plan, StagedDateranges listed, String idempotencyKey) throws InterruptedException {
    transactions.check(plan, listed);
    if (idempotencyKey == null) {
      return written(JobIds.randomBatchId(), plan, listed);
    }
    if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidRequestException("idempotency-key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    long window = clock.millis() / idempotencyWindow.toMillis();
    String current = JobIds.forBatchIdempotencyKey(idempotencyKey, window);
    // The next window too: a replica whose clock runs ahead may already have used it at the edge.
    List<String> candidates = List.of(JobIds.forBatchIdempotencyKey(idempotencyKey, window - 1), current,
        JobIds.forBatchIdempotencyKey(idempotencyKey, window + 1));
    // Looked up and written under the batch writer's lock: two repeats on this replica cannot both
    // write. Repeats racing on two replicas write the same job ids, which the workers run once.
    return transactions.exclusively(() -> {
      sync.awaitSynced(syncTimeout);
      for (String batchId : candidates) {
        long[] counts = view.batchCounts(batchId);
        if (total(counts) > 0) {
          log.info("batch {} resubmitted with the same idempotency key; not written again", batchId);
          return summary(batchId, total(counts), counts, 0);
        }
      }
      return written(current, plan, listed);
    });
  }

  private BatchSummary written(String batchId, BatchPlan plan, StagedDateranges listed) throws InterruptedException {
    long jobs = transactions.write(batchId, plan, listed);
    return summary(batchId, jobs, new long[] {jobs, 0, 0, 0}, 0);
  }

  /** The batch's jobs counted by status. */
  public BatchSummary status(String batchId) {
    long[] counts = counts(batchId);
    return summary(batchId, total(counts), counts, 0);
  }

  /** Up to {@code limit} of the batch's jobs after job id {@code after} (null: from the first), in job id order. */
  public BatchJobsPage jobs(String batchId, String after, int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidRequestException("limit: from 1 to " + MAX_PAGE + ", got " + limit);
    }
    if (after != null && !JobIds.isValid(after)) {
      throw new InvalidRequestException("after: a job id from the previous page, got '" + after + "'");
    }
    counts(batchId); // the barrier, and NOT_FOUND for an unknown batch
    List<BatchEntry> page = view.batchJobs(batchId, after, limit + 1);
    List<BatchJob> jobs = new ArrayList<>();
    for (BatchEntry entry : page.subList(0, Math.min(limit, page.size()))) {
      jobs.add(new BatchJob(entry.jobId(), entry.state().name()));
    }
    String next = page.size() > limit ? jobs.get(jobs.size() - 1).getJobId() : null;
    return new BatchJobsPage(batchId, jobs, next);
  }

  /**
   * Cancels the batch: no job of it starts once the workers have read the cancel, and those
   * running are stopped (each ends Error "cancelled"); jobs already ended keep their status.
   * Answers the counts as they were, and how many jobs had not ended.
   */
  public BatchSummary cancel(String batchId) throws InterruptedException {
    long[] counts = counts(batchId);
    long unfinished = counts[JobState.Pending.ordinal()] + counts[JobState.Processing.ordinal()];
    if (unfinished > 0) {
      transactions.cancel(batchId);
    }
    return summary(batchId, total(counts), counts, unfinished);
  }

  private long[] counts(String batchId) {
    if (!JobIds.isValidBatchId(batchId)) {
      throw new InvalidRequestException("batch_id: 32 lowercase hex characters, as submitBatch answered, got '"
          + (batchId == null ? "null" : batchId.length() > 40 ? batchId.substring(0, 40) + "..." : batchId) + "'");
    }
    sync.awaitSynced(syncTimeout);
    long[] counts = view.batchCounts(batchId);
    if (total(counts) == 0) {
      throw new NotFoundException("no batch " + batchId + " (never committed, or all its jobs were forgotten after JOB_RETENTION)");
    }
    return counts;
  }

  private static long total(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total;
  }

  private static BatchSummary summary(String batchId, long total, long[] counts, long cancelRequested) {
    return new BatchSummary(batchId, total, counts[JobState.Pending.ordinal()], counts[JobState.Processing.ordinal()],
        counts[JobState.Success.ordinal()], counts[JobState.Error.ordinal()], cancelRequested);
  }
}
