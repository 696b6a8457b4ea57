package org.scix.pipeline.core.job;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * The only order a job's status may move in: Pending, then Processing, then one terminal state
 * (Success or Error). Anything that would move a job backwards, or out of a terminal state, is
 * ignored by whoever applies it: {@link #fold} is that rule, shared by the gateway's view and the CLI.
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

  /**
   * A job's endings among its status events, each once: a gateway that restates a job's end after
   * a late duplicate Pending writes the very same event again (status, time, attempt, writer,
   * reason), which is the same ending, not a second one. More than one means the job ended twice.
   */
  public static List<JobStatus> distinctEnds(List<JobStatus> events) {
    Map<List<Object>, JobStatus> ends = new LinkedHashMap<>();
    for (JobStatus event : events) {
      if (event != null && isTerminal(event.getStatus())) {
        ends.putIfAbsent(Arrays.asList(event.getStatus(), event.getTime(), event.getAttempt(), event.getWorker(), event.getErrorReason()),
            event);
      }
    }
    return List.copyOf(ends.values());
  }

  /** Whether a job at {@code current} (null: unknown) may move to {@code next}. */
  public static boolean canMove(JobState current, JobState next) {
    return current == null || rank(next) > rank(current);
  }

  /**
   * The status fold: what a job's latest known event is after {@code next} arrives, given the one
   * held ({@code current}, null when none). Returns {@code current} itself when {@code next} would
   * move the job backwards or out of a terminal state, so callers can tell by identity whether it moved.
   */
  public static <T> T fold(T current, T next, Function<T, JobState> state) {
    return current == null || canMove(state.apply(current), state.apply(next)) ? next : current;
  }
}
