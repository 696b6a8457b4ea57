package org.scix.pipeline.gateway.batches;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.errors.NotReadyException;
import org.scix.pipeline.gateway.status.JobRecord;
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
  private static final int CANCEL_PAGE = 1000;

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

  /** Submits a batch (all of it, or nothing) under a new batch id; every job is Pending when this returns. */
  public BatchSummary submit(BatchPlan plan, BatchSource listed) throws InterruptedException {
    String batchId = JobIds.randomBatchId();
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

  /** Asks every unfinished job of the batch to stop; answers the counts as they were, and how many were asked. */
  public BatchSummary cancel(String batchId) throws InterruptedException {
    long[] counts = counts(batchId);
    long unfinished = counts[JobState.Pending.ordinal()] + counts[JobState.Processing.ordinal()];
    if (unfinished == 0) {
      return summary(batchId, total(counts), counts, 0);
    }
    Priority priority = firstJob(batchId).map(JobRecord::priority).orElse(Priority.BULK);
    long asked = transactions.cancel(batchId, priority, unfinished(batchId));
    return summary(batchId, total(counts), counts, asked);
  }

  private Optional<JobRecord> firstJob(String batchId) {
    List<BatchEntry> first = view.batchJobs(batchId, null, 1);
    return first.isEmpty() ? Optional.empty() : view.job(first.get(0).jobId());
  }

  /** The batch's unfinished jobs, a page at a time as they are taken. */
  private Iterator<BatchEntry> unfinished(String batchId) {
    return new Iterator<>() {
      private final List<BatchEntry> page = new ArrayList<>();
      private int at;
      private String after;
      private boolean exhausted;

      @Override
      public boolean hasNext() {
        while (at >= page.size() && !exhausted) {
          List<BatchEntry> next = view.batchJobs(batchId, after, CANCEL_PAGE);
          exhausted = next.size() < CANCEL_PAGE;
          after = next.isEmpty() ? after : next.get(next.size() - 1).jobId();
          page.clear();
          next.stream().filter(e -> !JobStates.isTerminal(e.state())).forEach(page::add);
          at = 0;
        }
        return at < page.size();
      }

      @Override
      public BatchEntry next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.get(at++);
      }
    };
  }

  private long[] counts(String batchId) {
    if (!JobIds.isValidBatchId(batchId)) {
      throw new InvalidRequestException("batch_id: 32 lowercase hex characters, as submitBatch answered, got '"
          + (batchId == null ? "null" : batchId.length() > 40 ? batchId.substring(0, 40) + "..." : batchId) + "'");
    }
    try {
      sync.sync().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new NotReadyException("could not read the status topic to its end in time; retry shortly");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotReadyException("interrupted while reading the status topic");
    }
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
