package org.scix.pipeline.gateway.submit;

/**
 * A submission (job or cancel request) that Kafka did not confirm, in one of two ways: not
 * accepted (nothing was written; safe to retry), or the commit's outcome is unknown (the job may
 * exist; {@link #jobId} says which to Monitor before submitting again).
 */
public final class SubmissionFailedException extends RuntimeException {
  private final String jobId; // set only when the outcome is unknown

  private SubmissionFailedException(String message, Throwable cause, String jobId) {
    super(message, cause);
    this.jobId = jobId;
  }

  public static SubmissionFailedException notAccepted(String message, Throwable cause) {
    return new SubmissionFailedException(message, cause, null);
  }

  public static SubmissionFailedException outcomeUnknown(String jobId, Throwable cause) {
    return new SubmissionFailedException("Kafka did not confirm the commit in time; job " + jobId
        + " may have been accepted: Monitor it before submitting again (" + cause.getMessage() + ")", cause, jobId);
  }

  /** A batch's transaction did not confirm: it may exist, so the caller is told to look before submitting it again. */
  public static SubmissionFailedException batchOutcomeUnknown(String batchId, Throwable cause) {
    return new SubmissionFailedException("Kafka did not confirm the commit in time; batch " + batchId
        + " may have been accepted: ask for its status before submitting it again (" + cause.getMessage() + ")", cause, batchId);
  }

  public boolean outcomeKnown() {
    return jobId == null;
  }

  /** The job that may exist, when the outcome is unknown; null otherwise. */
  public String jobId() {
    return jobId;
  }
}
