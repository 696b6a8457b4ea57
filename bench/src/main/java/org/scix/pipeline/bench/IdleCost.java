package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.scix.pipeline.localstack.LocalStack;

/**
 * idle.*: what a pipeline doing nothing costs: the CPU (in cores) one gateway, one worker and the
 * broker use over a quiet window, after a settling pause and once the JIT has compiled the
 * start-up code (at most 60 s), each from its own /proc figures; of it, the JIT compiler threads'
 * share, shown apart.
 */
final class IdleCost {
  private IdleCost() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    Duration window = ctx.config().idleWindow();
    ctx.topics("bench-idle");
    Map<String, String> env = new HashMap<>(Services.topics("bench-idle", BenchContext.PARTITIONS));
    Services.Service gateway = ctx.services().gateway("bench-idle-gw", env, "512m");
    Services.Service worker = ctx.services().worker("bench-idle-w", env);
    long brokerPid = ctx.stack() instanceof LocalStack local ? local.broker().pid() : -1;
    Thread.sleep(5_000); // start-up work (JIT, group join, first fetches) is not idling
    awaitJitQuiet(ctx, gateway, worker);
    ctx.say("idle: one gateway, one worker, nothing submitted, %d s", window.toSeconds());
    long[] before = {ProcessCpu.nanos(gateway.pid()), ProcessCpu.nanos(worker.pid()), brokerPid > 0 ? ProcessCpu.nanos(brokerPid) : 0};
    long[] jitBefore = {ProcessCpu.compilerThreadNanos(gateway.pid()), ProcessCpu.compilerThreadNanos(worker.pid())};
    long start = System.nanoTime();
    Thread.sleep(window.toMillis());
    double wall = System.nanoTime() - start;
    results.put("idle.gateway_cpu_cores", (ProcessCpu.nanos(gateway.pid()) - before[0]) / wall);
    results.put("idle.worker_cpu_cores", (ProcessCpu.nanos(worker.pid()) - before[1]) / wall);
    results.put("idle.gateway_jit_cores", (ProcessCpu.compilerThreadNanos(gateway.pid()) - jitBefore[0]) / wall);
    results.put("idle.worker_jit_cores", (ProcessCpu.compilerThreadNanos(worker.pid()) - jitBefore[1]) / wall);
    if (brokerPid > 0) {
      results.put("idle.broker_cpu_cores", (ProcessCpu.nanos(brokerPid) - before[2]) / wall);
    }
    ctx.services().stop(worker);
    ctx.services().stop(gateway);
  }

  /**
   * Waits until the JIT has compiled the start-up code: its compiler threads used under 1% of a
   * core in the last 2 s in each process, or 60 s have passed. On two crowded cores C2 takes tens of
   * seconds after start, which would otherwise count as idle cost.
   */
  private static void awaitJitQuiet(BenchContext ctx, Services.Service gateway, Services.Service worker) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long[] before = {ProcessCpu.compilerThreadNanos(gateway.pid()), ProcessCpu.compilerThreadNanos(worker.pid())};
    long waitedFrom = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(2_000);
      long[] now = {ProcessCpu.compilerThreadNanos(gateway.pid()), ProcessCpu.compilerThreadNanos(worker.pid())};
      long quiet = Duration.ofMillis(20).toNanos(); // 1% of a core over 2 s
      if (now[0] - before[0] < quiet && now[1] - before[1] < quiet) {
        break;
      }
      before = now;
    }
    ctx.say("idle: the JIT went quiet after %d s more", Duration.ofNanos(System.nanoTime() - waitedFrom).toSeconds());
  }
}
