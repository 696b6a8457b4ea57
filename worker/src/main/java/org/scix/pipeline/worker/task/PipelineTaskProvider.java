package org.scix.pipeline.worker.task;

import org.scix.pipeline.core.config.Settings;

/**
 * How a task reaches a worker without anyone editing the worker: a team implements this in its own
 * jar, lists the class in {@code META-INF/services/org.scix.pipeline.worker.task.PipelineTaskProvider},
 * puts the jar on the worker's classpath, and binds it by name ({@code TASK_SYMBOL1=my-task}).
 * The worker finds providers with {@link java.util.ServiceLoader} at start and refuses to start
 * if a bound name has none (or two).
 */
public interface PipelineTaskProvider {
  /** The name deployments bind the task by; letters, digits, '.', '_' and '-'. */
  String name();

  /**
   * Creates the task once, at worker start. {@code settings} is the worker's configuration, for
   * tasks that read keys of their own; throw {@code ConfigException} to refuse a bad value.
   */
  PipelineTask create(Settings settings);
}
