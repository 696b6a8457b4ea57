package org.scix.pipeline.core.job;

import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;

/**
 * The only order a job's status may move in: Pending, then Processing, then one terminal state
 * (Success or Error). Anything that would move a job backwards, or out of a terminal state, is
 * ignored by whoever applies it.
 */
public final class JobStates {
  private JobStates() {}

  public static int rank(JobState state) {
    return switch (state) {
      case Pending -> 0;
      case Processing -> 1;
      case Success, Error -> 2;
    };
  }

  public static boolean isTerminal(JobState state) {
    return state == JobState.Success || state == JobState.Error;
  }

  /** Whether a job at {@code current} (null: unknown) may move to {@code next}. */
  public static boolean canMove(JobState current, JobState next) {
    return current == null || rank(next) > rank(current);
  }

  public static statusenum toWire(JobState state) {
    return statusenum.valueOf(state.name());
  }
}
