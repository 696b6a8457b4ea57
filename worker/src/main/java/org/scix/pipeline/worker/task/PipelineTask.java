package org.scix.pipeline.worker.task;

/**
 * The extension point: the one piece a team adopting this template writes. A task gets the job
 * through its {@link TaskContext}, emits output records there, and returns normally for Success.
 *
 * <p>Throw {@link RetryableTaskException} for failures worth retrying (a timeout of a service it
 * calls); any other exception ends the job in Error with the exception's message as the reason.
 * Long tasks should check {@link TaskContext#isCancelled()} now and then, and stop when it is true.
 * Tasks run on worker threads, several at once: an implementation must be thread-safe.
 */
@FunctionalInterface
public interface PipelineTask {
  void run(TaskContext context) throws Exception;
}
