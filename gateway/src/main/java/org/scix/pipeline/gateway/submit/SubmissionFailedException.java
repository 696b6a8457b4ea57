package org.scix.pipeline.gateway.submit;

/**
 * A submission (job or cancel request) that Kafka did not confirm. {@link #outcomeKnown} tells the
 * two cases apart: not accepted (nothing was written; safe to retry), or the commit's outcome is
 * unknown (the job may exist; {@link #jobId} says which to Monitor before submitting again).
 */
public final class SubmissionFailedException extends RuntimeException {
  private final String jobId;
  private final boolean outcomeKnown;

  private SubmissionFailedException(String message, Throwable cause, String jobId, boolean outcomeKnown) {
    super(message, cause);
    this.jobId = jobId;
    this.outcomeKnown = outcomeKnown;
  }

  public static SubmissionFailedException notAccepted(String message, Throwable cause) {
    return new SubmissionFailedException(message, cause, null, true);
  }

  public static SubmissionFailedException outcomeUnknown(String jobId, Throwable cause) {
    return new SubmissionFailedException("Kafka did not confirm the commit in time; job " + jobId
        + " may have been accepted: Monitor it before submitting again (" + cause.getMessage() + ")", cause, jobId, false);
  }

  public boolean outcomeKnown() {
    return outcomeKnown;
  }

  public String jobId() {
    return jobId;
  }
}
