package org.scix.pipeline.worker.runner;

import java.time.Duration;
import org.scix.pipeline.worker.task.PipelineTask;
import org.scix.pipeline.worker.task.RetryableTaskException;
import org.scix.pipeline.worker.task.TaskContext;
import org.scix.pipeline.worker.task.TaskRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job's task on a task thread: attempts with exponential backoff (starting at
 * {@code backoff}) for retryable failures, up to {@code maxAttempts}; classification of the rest.
 * Returns the outcome; never throws.
 */
record RetryingTaskRunner(TaskRegistry tasks, int maxAttempts, Duration backoff) {
  private static final Logger log = LoggerFactory.getLogger(RetryingTaskRunner.class);

  Outcome run(JobExecution execution) {
    PipelineTask task = tasks.forTask(execution.job().getTask()).orElse(null);
    if (task == null) {
      return Outcome.error("no pipeline task is bound to " + execution.job().getTask(), 1);
    }
    for (int attempt = 1; ; attempt++) {
      if (attempt > 1) {
        execution.attemptStarted(attempt);
      }
      TaskContext context = new TaskContext(execution.jobId(), execution.job(), attempt, execution::shouldStop, execution::reportProgress);
      try {
        task.run(context);
        if (execution.isCancelled()) {
          return cancelled(attempt);
        }
        if (execution.shouldStop()) { // it returned because it was told to stop (timed out, handed back): its work is not done
          return Outcome.error("stopped before it finished", attempt);
        }
        return Outcome.success(attempt, context.outputs());
      } catch (RetryableTaskException e) {
        if (execution.isCancelled()) {
          return cancelled(attempt);
        }
        if (execution.shouldStop()) {
          return Outcome.error("stopped: " + e.getMessage(), attempt); // timed out or handed back: its outcome is already set
        }
        if (attempt >= maxAttempts) {
          return Outcome.deadLetter("gave up after " + attempt + " attempt(s): " + e.getMessage(), attempt);
        }
        long wait = backoff.toMillis() << Math.min(attempt - 1, 20);
        log.info("job {} attempt {} failed ({}); retrying in {} ms", execution.jobId(), attempt, e.getMessage(), wait);
        if (!sleep(wait) || execution.shouldStop()) { // cancelled, timed out or handed back: no further attempt
          return execution.isCancelled() ? cancelled(attempt) : Outcome.error("stopped while waiting to retry", attempt);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return execution.isCancelled() ? cancelled(attempt) : Outcome.error("interrupted", attempt);
      } catch (Exception | LinkageError | StackOverflowError e) {
        if (execution.isCancelled()) {
          return cancelled(attempt);
        }
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return Outcome.error(reason, attempt);
      }
    }
  }

  private static Outcome cancelled(int attempt) {
    return Outcome.error(JobExecution.CANCELLED, attempt);
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
