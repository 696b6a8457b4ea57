package org.scix.pipeline.worker.task;

import java.util.function.Function;
import org.scix.pipeline.core.config.Settings;

/**
 * A {@link PipelineTaskProvider} from a name and a factory, so a provider is one constructor:
 * {@code public Provider() { super("my-task", settings -> new MyTask()); }}.
 */
public abstract class NamedTaskProvider implements PipelineTaskProvider {
  private final String name;
  private final Function<Settings, PipelineTask> factory;

  protected NamedTaskProvider(String name, Function<Settings, PipelineTask> factory) {
    this.name = name;
    this.factory = factory;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final PipelineTask create(Settings settings) {
    return factory.apply(settings);
  }
}
