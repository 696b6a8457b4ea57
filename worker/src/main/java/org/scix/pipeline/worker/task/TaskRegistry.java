package org.scix.pipeline.worker.task;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Binds the request's task names (SYMBOL1..SYMBOL3) to implementations, from configuration
 * ({@code TASK_SYMBOL1=daterange-expansion}, ...). Teams add their own tasks to {@link #implementation}.
 */
public final class TaskRegistry {
  private final Map<taskenum, PipelineTask> tasks;

  private TaskRegistry(Map<taskenum, PipelineTask> tasks) {
    this.tasks = tasks;
  }

  public static TaskRegistry of(Map<taskenum, String> bindings, Duration simulatedDuration) {
    Map<taskenum, PipelineTask> tasks = new EnumMap<>(taskenum.class);
    bindings.forEach((task, name) -> tasks.put(task, implementation("TASK_" + task.name(), name, simulatedDuration)));
    return new TaskRegistry(tasks);
  }

  public Optional<PipelineTask> forTask(taskenum task) {
    return Optional.ofNullable(tasks.get(task));
  }

  static PipelineTask implementation(String key, String name, Duration simulatedDuration) {
    return switch (name) {
      case DateRangeExpansionTask.NAME -> new DateRangeExpansionTask();
      case SimulatedTask.NAME -> new SimulatedTask(simulatedDuration);
      case FailingTask.NAME -> new FailingTask(false);
      case FailingTask.FLAKY_NAME -> new FailingTask(true);
      default -> throw new ConfigException(key, "unknown task implementation '" + name + "' (known: "
          + DateRangeExpansionTask.NAME + ", " + SimulatedTask.NAME + ", " + FailingTask.NAME + ", " + FailingTask.FLAKY_NAME + ")");
    };
  }
}
