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

  /** {@value #NAME}: a non-retryable failure. */
  public static final class Provider extends NamedTaskProvider {
    public Provider() {
      super(NAME, settings -> new FailingTask(false));
    }
  }

  /** {@value #FLAKY_NAME}: a retryable failure, every attempt. */
  public static final class FlakyProvider extends NamedTaskProvider {
    public FlakyProvider() {
      super(FLAKY_NAME, settings -> new FailingTask(true));
    }
  }

  @Override
  public void run(TaskContext context) throws Exception {
    if (retryable) {
      throw new RetryableTaskException("simulated transient failure on attempt " + context.attempt());
    }
    throw new IllegalStateException("simulated failure of job " + context.jobId());
  }
}
