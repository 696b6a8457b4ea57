package org.scix.pipeline.worker;

import org.scix.pipeline.core.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one worker until SIGTERM/SIGINT, then drains gracefully. Configuration from the environment. */
public final class WorkerMain {
  private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    run(Settings.fromEnvironment());
  }

  public static void run(Settings settings) throws Exception {
    Worker worker = Worker.start(WorkerConfig.from(settings));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutdown requested; draining");
      worker.close();
    }, "worker-shutdown"));
    worker.awaitStopped();
    if (worker.failure().isPresent()) {
      // Fenced by a worker with the same instance id, or a fatal Kafka error: stop, so the orchestrator sees it.
      log.error("worker stopped: {}", worker.failure().get().toString());
      System.exit(3);
    }
  }
}
