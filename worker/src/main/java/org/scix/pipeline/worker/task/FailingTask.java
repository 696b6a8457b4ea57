package org.scix.pipeline.worker.task;

/**
 * Fails every attempt, for tests and for checking alerting: {@code failing} is a non-retryable
 * error, {@code flaky} a retryable one (so it exhausts the retry budget).
 */
public final class FailingTask implements PipelineTask {
  public static final String NAME = "failing";
  public static final String FLAKY_NAME = "flaky";
  private final boolean retryable;

  public FailingTask(boolean retryable) {
    this.retryable = retryable;
  }

  @Override
  public void run(TaskContext context) throws Exception {
    if (retryable) {
      throw new RetryableTaskException("simulated transient failure on attempt " + context.attempt());
    }
    throw new IllegalStateException("simulated failure of job " + context.jobId());
  }
}
