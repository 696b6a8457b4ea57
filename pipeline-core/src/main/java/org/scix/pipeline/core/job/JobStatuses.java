package org.scix.pipeline.core.job;

import java.time.Instant;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/** The one place {@link JobStatus} events are built, by the gateway (Pending) and the workers (the rest). */
public final class JobStatuses {
  private JobStatuses() {}

  /** The event a gateway writes with the job: attempt 0, no worker yet. */
  public static JobStatus pending(String jobId, String task, String gateway, String traceparent) {
    return pending(jobId, task, gateway, traceparent, null);
  }

  /** @param replayOf the dead-lettered job this new job replays, or null */
  public static JobStatus pending(String jobId, String task, String gateway, String traceparent, String replayOf) {
    return pending(jobId, task, gateway, traceparent, replayOf, null);
  }

  /** @param due when a delayed job is due to be handed to the workers, or null to run it at once */
  public static JobStatus pending(String jobId, String task, String gateway, String traceparent, String replayOf, Instant due) {
    JobStatus pending = event(jobId, JobState.Pending, task, 0, gateway, null, traceparent);
    pending.setSubmittedTime(pending.getTime());
    pending.setReplayOf(replayOf);
    pending.setDueTime(due);
    return pending;
  }

  /**
   * @param task the request's task name, or null for a record that could not be decoded
   * @param attempt 1 for the first attempt
   * @param errorReason why the job ended in Error; null otherwise
   */
  public static JobStatus event(String jobId, JobState state, String task, int attempt, String writer, String errorReason,
      String traceparent) {
    return JobStatus.newBuilder()
        .setJobId(jobId)
        .setStatus(state)
        .setTask(task)
        .setTime(Instant.now())
        .setAttempt(attempt)
        .setWorker(writer)
        .setErrorReason(errorReason)
        .setTraceparent(traceparent)
        .build();
  }
}
