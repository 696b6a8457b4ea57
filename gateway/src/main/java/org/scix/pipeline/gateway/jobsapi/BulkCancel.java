package org.scix.pipeline.gateway.jobsapi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.status.JobPage;
import org.scix.pipeline.gateway.status.JobQuery;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.gateway.submit.SubmissionFailedException;
import org.scix.pipeline.schemas.status.JobState;

/**
 * Cancels every unfinished job matching a filter as one action: the jobs are found in the status
 * view (after a read barrier, so jobs another replica accepted a moment ago count), and each gets
 * the same cancel request a single cancel sends; at most {@value #MAX_JOBS} per call. What a cancel
 * does to a job (never started, interrupted, or nothing if it ended first) is the single cancel's.
 */
public final class BulkCancel {
  public static final int MAX_JOBS = 100_000;
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);
  /** Bound of waiting for all the cancels' outcomes (each is bounded by the submitter's deadlines too). */
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);

  /** Unfinished jobs of {@code task} (null: any), in {@code states} (Pending, Processing or both), submitted in {@code [from, to)}. */
  public record Filter(String task, Set<JobState> states, long from, long to) {
    public Filter {
      states = states.isEmpty() ? EnumSet.of(JobState.Pending, JobState.Processing) : Set.copyOf(states);
      if (states.contains(JobState.Success) || states.contains(JobState.Error)) {
        throw new InvalidRequestException("status: only Pending or Processing jobs can be cancelled");
      }
      if (task == null && from == 0) {
        throw new InvalidRequestException("name a task or a since time: cancelling every job at once is not offered");
      }
    }
  }

  /**
   * What was done: jobs matched; cancel requests written (each on Kafka before the answer); those
   * whose commit outcome is unknown (they may have been written: the jobs may stop); those not
   * written. {@code error}, if not null, is the first failure: the call failed part-way, and the
   * counts say how far it got.
   */
  public record Result(int matched, int cancelRequested, int outcomeUnknown, int notWritten, boolean more, Exception error) {
    public boolean failed() {
      return error != null;
    }
  }

  private final StatusView view;
  private final StatusViewSync sync;
  private final Function<JobRecord, CompletableFuture<Void>> cancels;

  public BulkCancel(StatusView view, StatusViewSync sync, JobSubmitter submitter) {
    this(view, sync, job -> submitter.cancel(job, null));
  }

  /** @param cancels writes one job's cancel request; completes once Kafka has it (as {@link JobSubmitter#cancel}) */
  public BulkCancel(StatusView view, StatusViewSync sync, Function<JobRecord, CompletableFuture<Void>> cancels) {
    this.view = view;
    this.sync = sync;
    this.cancels = cancels;
  }

  public Result cancelMatching(Filter filter) throws Exception {
    sync.awaitSynced(SYNC_TIMEOUT);
    List<JobRecord> matched = new ArrayList<>();
    JobQuery.Cursor after = null;
    boolean more = false;
    do {
      JobPage page = view.list(new JobQuery(filter.states(), filter.task(), filter.from(), filter.to(), JobQuery.MAX_LIMIT, after));
      for (JobRecord job : page.jobs()) {
        if (matched.size() == MAX_JOBS) {
          more = true;
          break;
        }
        matched.add(job);
      }
      after = page.next();
    } while (after != null && !more);
    return cancel(matched, more);
  }

  /**
   * Queues every cancel, then waits for each one's own outcome: a failure part-way (Kafka gone, the
   * replica fenced) does not hide the cancels already written, which the answer and the audit entry
   * must count.
   */
  private Result cancel(List<JobRecord> matched, boolean more) {
    List<CompletableFuture<Void>> requests = new ArrayList<>();
    Exception error = null;
    try {
      for (JobRecord job : matched) {
        requests.add(cancels.apply(job));
      }
    } catch (RuntimeException e) {
      error = e; // the jobs after this one were not queued
    }
    long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
    int written = 0;
    int unknown = 0;
    for (CompletableFuture<Void> request : requests) {
      try {
        request.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        written++;
      } catch (ExecutionException e) {
        Exception cause = e.getCause() instanceof Exception c ? c : e;
        error = error == null ? cause : error;
        if (!(cause instanceof SubmissionFailedException failed && failed.outcomeKnown())) {
          unknown++;
        }
      } catch (TimeoutException | InterruptedException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        error = error == null ? e : error;
        unknown++; // sent, or may still be: the job may stop
      }
    }
    return new Result(matched.size(), written, unknown, matched.size() - written - unknown, more, error);
  }
}
