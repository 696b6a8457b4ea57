package org.scix.pipeline.gateway.api;

import java.util.function.Function;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.schemas.status.JobState;

/** What a handler answers; {@link Responder} is the one place that writes it to the call. */
sealed interface Reply {
  /** One message, then the call completes. */
  record Once(byte[] message) implements Reply {}

  /**
   * {@code first} now, then each later status of the job up to its terminal one; {@code withProgress}:
   * each message carries the job's latest progress ({@link ProgressField}), and each new progress is sent too.
   */
  record Follow(String jobId, JobState first, Function<JobState, byte[]> render, boolean withProgress) implements Reply {}

  /** A job's status: followed when the caller asked for a stream and the job has not ended, else answered once. */
  static Reply status(String jobId, JobState state, Function<JobState, byte[]> render, boolean stream) {
    return status(jobId, state, render, stream, false, null);
  }

  /** The same, on a call that asked for progress when {@code withProgress}: {@code progressNow} is the job's latest. */
  static Reply status(String jobId, JobState state, Function<JobState, byte[]> render, boolean stream, boolean withProgress,
      JobRecord.Progress progressNow) {
    if (stream && !JobStates.isTerminal(state)) {
      return new Follow(jobId, state, render, withProgress);
    }
    byte[] message = render.apply(state);
    return new Once(withProgress ? ProgressField.append(message, JobStates.isTerminal(state) ? null : progressNow) : message);
  }
}
