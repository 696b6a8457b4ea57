package org.scix.pipeline.worker.task;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Binds the request's task names (SYMBOL1..SYMBOL3) to implementations found on the classpath
 * through {@link PipelineTaskProvider}, from configuration ({@code TASK_SYMBOL1=daterange-expansion}).
 * Built at start, so a name without an implementation stops the worker before it takes a job.
 */
public final class TaskRegistry {
  public static final String TASK_PREFIX = "TASK_";

  private final Map<taskenum, PipelineTask> tasks;
  private final Map<taskenum, String> bindings;

  private TaskRegistry(Map<taskenum, PipelineTask> tasks, Map<taskenum, String> bindings) {
    this.tasks = tasks;
    this.bindings = bindings;
  }

  /** Binds each task name to the provider of that name among those {@link ServiceLoader} finds. */
  public static TaskRegistry load(Map<taskenum, String> bindings, Settings settings) {
    return bind(bindings, settings, providers(ServiceLoader.load(PipelineTaskProvider.class)));
  }

  static TaskRegistry bind(Map<taskenum, String> bindings, Settings settings, Map<String, PipelineTaskProvider> providers) {
    Map<taskenum, PipelineTask> tasks = new EnumMap<>(taskenum.class);
    bindings.forEach((task, name) -> {
      PipelineTaskProvider provider = providers.get(name);
      if (provider == null) {
        throw new ConfigException(TASK_PREFIX + task.name(), "no task implementation named '" + name + "' on the classpath (known: "
            + String.join(", ", providers.keySet()) + "); add the jar that provides it, or bind a known name");
      }
      tasks.put(task, provider.create(settings));
    });
    return new TaskRegistry(tasks, Map.copyOf(bindings));
  }

  /** A registry of tasks given directly (tests, or a worker embedded in another program). */
  public static TaskRegistry of(Map<taskenum, PipelineTask> tasks) {
    Map<taskenum, String> names = new EnumMap<>(taskenum.class);
    tasks.forEach((task, implementation) -> names.put(task, implementation.getClass().getName()));
    return new TaskRegistry(new EnumMap<>(tasks), Map.copyOf(names));
  }

  private static Map<String, PipelineTaskProvider> providers(Iterable<PipelineTaskProvider> found) {
    Map<String, PipelineTaskProvider> byName = new TreeMap<>();
    for (PipelineTaskProvider provider : found) {
      PipelineTaskProvider previous = byName.putIfAbsent(provider.name(), provider);
      if (previous != null) {
        throw new ConfigException(TASK_PREFIX + "*", "two task implementations are named '" + provider.name() + "': "
            + previous.getClass().getName() + " and " + provider.getClass().getName() + "; remove one jar from the classpath");
      }
    }
    return byName;
  }

  public Optional<PipelineTask> forTask(taskenum task) {
    return Optional.ofNullable(tasks.get(task));
  }

  /** Which implementation name each task is bound to (for logs). */
  public Map<taskenum, String> bindings() {
    return bindings;
  }
}
