package org.scix.pipeline.worker.task;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Does what the job's {@code ingest_type} argument says, for fault testing ({@code ./pipeline
 * chaos}) where one run needs short, long, flaky, failing and overdue jobs side by side. The
 * script is {@code key=value} pairs separated by {@code ;}:
 *
 * <ul>
 *   <li>{@code sleep=<ms>}: work this long (stops early, without output, once cancelled);
 *   <li>{@code fail-first=<n>}: the first {@code n} attempts fail retryably, later ones succeed;
 *   <li>{@code fail-always=1}: every attempt fails retryably (the job exhausts its attempts and is dead-lettered);
 *   <li>{@code progress=<n>}: report progress 1 to n of n, evenly over the sleep.
 * </ul>
 *
 * <p>A job that succeeds emits one output record whose id is its job id. No script: a 50 ms job.
 */
public final class ScriptedTask implements PipelineTask {
  public static final String NAME = "scripted";

  /** {@value #NAME}. */
  public static final class Provider extends NamedTaskProvider {
    public Provider() {
      super(NAME, settings -> new ScriptedTask());
    }
  }

  @Override
  public void run(TaskContext context) throws Exception {
    Map<String, Long> script = parse(context.job().getTaskArgs().getIngestType());
    if (script.getOrDefault("fail-always", 0L) > 0 || context.attempt() <= script.getOrDefault("fail-first", 0L)) {
      throw new RetryableTaskException("scripted failure of attempt " + context.attempt());
    }
    long start = System.nanoTime();
    long sleepNanos = script.getOrDefault("sleep", 50L) * 1_000_000;
    long steps = script.getOrDefault("progress", 0L);
    long reported = 0;
    while (System.nanoTime() - start < sleepNanos) {
      if (context.isCancelled()) {
        return;
      }
      long due = steps * (System.nanoTime() - start) / sleepNanos;
      if (due > reported) {
        reported = due;
        context.progress(reported, steps, "step " + reported);
      }
      Thread.sleep(Math.max(1, Math.min(50, (sleepNanos - (System.nanoTime() - start)) / 1_000_000)));
    }
    if (steps > reported) {
      context.progress(steps, steps, "step " + steps);
    }
    context.emit(context.jobId(), "{\"scripted\":true}");
  }

  /** The script's pairs; an unknown or malformed pair is a task error, not a silent default. */
  static Map<String, Long> parse(String script) {
    Map<String, Long> pairs = new HashMap<>();
    if (script == null || script.isBlank()) {
      return pairs;
    }
    for (String pair : script.split(";")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || !List.of("sleep", "fail-first", "fail-always", "progress").contains(kv[0])) {
        throw new IllegalArgumentException("scripted task: cannot read '" + pair + "' (sleep=<ms>, fail-first=<n>, fail-always=1, progress=<n>)");
      }
      pairs.put(kv[0], Long.parseLong(kv[1].trim()));
    }
    return pairs;
  }
}
