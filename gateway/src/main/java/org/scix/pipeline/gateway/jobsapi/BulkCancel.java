package org.scix.pipeline.gateway.jobsapi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.status.JobPage;
import org.scix.pipeline.gateway.status.JobQuery;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.submit.JobSubmitter;
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

  /** Jobs matched, and cancel requests written (each on Kafka before the answer). */
  public record Result(int matched, int cancelRequested, boolean more) {}

  private final StatusView view;
  private final StatusViewSync sync;
  private final JobSubmitter submitter;

  public BulkCancel(StatusView view, StatusViewSync sync, JobSubmitter submitter) {
    this.view = view;
    this.sync = sync;
    this.submitter = submitter;
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
    List<CompletableFuture<Void>> requests = new ArrayList<>();
    for (JobRecord job : matched) {
      requests.add(submitter.cancel(job, null));
    }
    int written = 0;
    for (CompletableFuture<Void> request : requests) {
      request.get(60, TimeUnit.SECONDS);
      written++;
    }
    return new Result(matched.size(), written, more);
  }
}
