package org.scix.pipeline.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.worker.WorkerMain;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.TaskSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true, description = "Run one worker process (configuration from the environment; see docs/configuration.md).")
final class WorkerCommand implements Callable<Integer> {
  @Option(names = "--simulate-ms", description = "Bind every task to the simulated task sleeping this long.")
  Integer simulateMs;

  @Option(names = "--concurrency", description = "Jobs this process runs at once (default 16).")
  Integer concurrency;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = new HashMap<>();
    if (simulateMs != null) {
      overrides.put(TaskSettings.SIMULATE_ALL_MS, simulateMs.toString());
    }
    if (concurrency != null) {
      overrides.put(LoopSettings.CONCURRENCY, concurrency.toString());
    }
    WorkerMain.run(Settings.load(System.getenv(), overrides));
    return 0;
  }
}
