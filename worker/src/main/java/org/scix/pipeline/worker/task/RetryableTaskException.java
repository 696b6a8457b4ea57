package org.scix.pipeline.worker.task;

/** A failure that may go away on another attempt; the worker retries with exponential backoff. */
public class RetryableTaskException extends Exception {
  public RetryableTaskException(String message) {
    super(message);
  }

  public RetryableTaskException(String message, Throwable cause) {
    super(message, cause);
  }
}
