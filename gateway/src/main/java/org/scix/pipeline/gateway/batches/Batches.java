package org.scix.pipeline.gateway.batches;

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

/**
 * Batches, as every surface (gRPC, JSON, CLI, dashboard) offers them: submit one, count its jobs
 * by status, page through its jobs, cancel it. Counts and pages come from the status view's batch
 * index after a read barrier, so any replica answers for a batch another one accepted.
 */
public final class Batches {
  public static final int MAX_PAGE = 1000;

  private final BatchTransactions transactions;
  private final StatusView view;
  private final StatusViewSync sync;
  private final Duration syncTimeout;

  public Batches(BatchTransactions transactions, StatusView view, StatusViewSync sync, Duration syncTimeout) {
    this.transactions = transactions;
    this.view = view;
    this.sync = sync;
    this.syncTimeout = syncTimeout;
  }

  /**
   * Submits a batch (all of it, or nothing) under a new batch id; every job is Pending when this
   * returns. The caller's whole stream is read and checked first; only then is the batch written,
   * in one short transaction.
   */
  public BatchSummary submit(BatchPlan plan, BatchSource listed) throws InterruptedException {
    StagedBatch batch = transactions.stage(plan, listed);
    String batchId = JobIds.randomBatchId();
    long jobs = transactions.write(batchId, batch);
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
