package org.scix.pipeline.gateway.status;

import org.scix.pipeline.schemas.status.JobState;

/** Told every status a job reaches, in order, from the view's reader thread; must not block. */
@FunctionalInterface
public interface StatusListener {
  void onStatus(JobState state);

  /** Told each new progress of the running job (after its Processing; the current one on subscribing). */
  default void onProgress(JobRecord.Progress progress) {}
}
