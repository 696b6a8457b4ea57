package org.scix.pipeline.worker.task;

import java.time.Duration;
import org.scix.pipeline.core.config.Settings;

/**
 * Sleeps for a configured time, standing in for I/O-bound work in tests and benchmarks; stops
 * early when cancelled. Emits one output record saying how long it slept.
 */
public final class SimulatedTask implements PipelineTask {
  public static final String NAME = "simulated";
  /** A long-running stand-in (a job that holds its partition's head for a while): {@value #LONG_MS_SETTING}, 30 s by default. */
  public static final String LONG_NAME = "simulated-long";
  public static final String LONG_MS_SETTING = "SIMULATED_LONG_TASK_MS";
  public static final String MS_SETTING = "SIMULATED_TASK_MS";
  private final Duration duration;

  public SimulatedTask(Duration duration) {
    this.duration = duration;
  }

  /** Sleeps {@value #MS_SETTING} (200 ms by default), or {@value TaskSettings#SIMULATE_ALL_MS} when set. */
  public static final class Provider extends NamedTaskProvider {
    public Provider() {
      super(NAME, settings -> new SimulatedTask(duration(settings)));
    }
  }

  /** Sleeps {@value #LONG_MS_SETTING} (30 s by default). */
  public static final class LongProvider extends NamedTaskProvider {
    public LongProvider() {
      super(LONG_NAME, settings -> new SimulatedTask(settings.duration(LONG_MS_SETTING, Duration.ofSeconds(30), Duration.ZERO)));
    }
  }

  private static Duration duration(Settings settings) {
    Duration duration = settings.duration(MS_SETTING, Duration.ofMillis(200), Duration.ZERO);
    return settings.duration(TaskSettings.SIMULATE_ALL_MS, duration, Duration.ZERO);
  }

  @Override
  public void run(TaskContext context) throws InterruptedException {
    long deadline = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < deadline) {
      if (context.isCancelled()) {
        return;
      }
      long left = deadline - System.nanoTime();
      Thread.sleep(Math.max(0, Math.min(50, left / 1_000_000)), (int) Math.max(0, Math.min(999_999, left % 1_000_000)));
    }
    context.emit(context.jobId(), "{\"simulated_ms\":" + duration.toMillis() + "}");
  }
}
