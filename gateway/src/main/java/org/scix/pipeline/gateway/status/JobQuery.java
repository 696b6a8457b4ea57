package org.scix.pipeline.gateway.status;

import java.util.Set;
import org.scix.pipeline.schemas.status.JobState;

/**
 * What ListJobs asks for: jobs submitted in {@code [from, to)} (epoch millis), in one of
 * {@code states} (empty: any), of {@code task} (null: any), newest first, at most {@code limit},
 * continuing after {@code after} (null: from the newest).
 */
public record JobQuery(Set<JobState> states, String task, long from, long to, int limit, Cursor after) {
  public static final int MAX_LIMIT = 1000;

  public JobQuery {
    states = Set.copyOf(states);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", got " + limit);
    }
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException("the time range must have from < to, got [" + from + ", " + to + ")");
    }
  }

  boolean matches(JobState state, String taskName) {
    return (states.isEmpty() || states.contains(state)) && (task == null || task.equals(taskName));
  }

  /** Where a page ended: the last job it passed (its submit time and id). Opaque to callers as {@link #token()}. */
  public record Cursor(long submittedAt, String jobId) {
    public String token() {
      return submittedAt + "." + jobId;
    }

    /** Parses a token this class made; anything else is an IllegalArgumentException. */
    public static Cursor parse(String token) {
      int dot = token.indexOf('.');
      try {
        if (dot > 0) {
          return new Cursor(Long.parseLong(token.substring(0, dot)), token.substring(dot + 1));
        }
      } catch (NumberFormatException e) {
        // falls through
      }
      throw new IllegalArgumentException("not a cursor this gateway issued: '" + token + "'");
    }
  }
}
