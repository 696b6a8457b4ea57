package org.scix.pipeline.testing;

import java.time.Instant;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Status events for tests, with defaults for whatever a test does not care about: task SYMBOL1,
 * attempt 1, writer "w", time now. {@code TestStatuses.of("job-a", Success).attempt(2).build()}.
 */
public final class TestStatuses {
  private TestStatuses() {}

  public static Builder of(String jobId, JobState state) {
    return new Builder(JobStatus.newBuilder().setJobId(jobId).setStatus(state).setTask("SYMBOL1").setTime(Instant.now()).setAttempt(1)
        .setWorker("w"));
  }

  /** An event as {@code "<job id>:<state>"} (the form the status view tests write on a topic). */
  public static JobStatus parse(String idAndState) {
    String[] parts = idAndState.split(":");
    return of(parts[0], JobState.valueOf(parts[1])).build();
  }

  public static final class Builder {
    private final JobStatus.Builder status;

    private Builder(JobStatus.Builder status) {
      this.status = status;
    }

    public Builder task(String task) {
      status.setTask(task);
      return this;
    }

    public Builder at(long epochMillis) {
      status.setTime(Instant.ofEpochMilli(epochMillis));
      return this;
    }

    public Builder attempt(int attempt) {
      status.setAttempt(attempt);
      return this;
    }

    public Builder writer(String writer) {
      status.setWorker(writer);
      return this;
    }

    public Builder reason(String errorReason) {
      status.setErrorReason(errorReason);
      return this;
    }

    public Builder traceparent(String traceparent) {
      status.setTraceparent(traceparent);
      return this;
    }

    public Builder startedAt(long epochMillis) {
      status.setStartedTime(Instant.ofEpochMilli(epochMillis));
      return this;
    }

    public JobStatus build() {
      return status.build();
    }
  }
}
