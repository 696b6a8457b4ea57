package org.scix.pipeline.gateway.api;

import java.util.function.Function;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.schemas.status.JobState;

/** What a handler answers; {@link Responder} is the one place that writes it to the call. */
sealed interface Reply {
  /** One message, then the call completes. */
  record Once(byte[] message) implements Reply {}

  /** {@code first} now, then each later status of the job up to its terminal one. */
  record Follow(String jobId, JobState first, Function<JobState, byte[]> render) implements Reply {}

  /** A job's status: followed when the caller asked for a stream and the job has not ended, else answered once. */
  static Reply status(String jobId, JobState state, Function<JobState, byte[]> render, boolean stream) {
    return stream && !JobStates.isTerminal(state) ? new Follow(jobId, state, render) : new Once(render.apply(state));
  }
}
