package org.scix.pipeline.examples.hello;

import org.scix.pipeline.worker.task.NamedTaskProvider;
import org.scix.pipeline.worker.task.PipelineTask;
import org.scix.pipeline.worker.task.PipelineTaskProvider;
import org.scix.pipeline.worker.task.TaskContext;

/**
 * The smallest useful task: greets the job's {@code ingest_type} in one output record. It shows
 * the whole path a team takes to add a task without touching {@code worker/}: implement
 * {@link PipelineTask}, expose it through a {@link PipelineTaskProvider} listed in
 * {@code META-INF/services}, put the jar on the worker's classpath, bind it with
 * {@code TASK_SYMBOL1=hello}. It reads one setting of its own, {@value #GREETING}.
 */
public final class HelloTask implements PipelineTask {
  public static final String NAME = "hello";
  public static final String GREETING = "HELLO_TASK_GREETING";

  private final String greeting;

  public HelloTask(String greeting) {
    this.greeting = greeting;
  }

  @Override
  public void run(TaskContext context) {
    String who = context.job().getTaskArgs().getIngestType();
    context.emit(context.jobId() + "-hello", "{\"greeting\":\"" + greeting + ", " + (who == null ? "world" : who) + "\"}");
  }

  /** Found by the worker through {@link java.util.ServiceLoader}. */
  public static final class Provider extends NamedTaskProvider {
    public Provider() {
      super(NAME, settings -> new HelloTask(settings.string(GREETING, "hello")));
    }
  }
}
