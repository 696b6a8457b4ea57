package org.scix.pipeline.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.scix.pipeline.bench.ChaosRun;
import org.scix.pipeline.bench.chaos.HistoryCheck;
import org.scix.pipeline.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "chaos", mixinStandardHelpOptions = true, description = "Drive steady submissions while a seeded random schedule kills, pauses and restarts brokers, "
    + "workers and gateways under a load that uses every feature (keys, cancels, retries, deadlines, dead letters and "
    + "replays, streams, retention); then check the whole history against what callers were told. Exits 1 on any defect, "
    + "or if a feature was never exercised.")
final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--minutes", defaultValue = "10", description = "How long faults are injected (default ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--brokers", defaultValue = "1", description = "Kafka nodes: 1, or 3 for replication factor 3 (broker faults need 3).")
  int brokers;

  @Option(names = "--seed", description = "Seed of the fault schedule (default: random, printed).")
  Long seed;

  @Option(names = "--dir", paramLabel = "DIR", description = "Where logs go (default .pipeline/chaos-<time>).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    long chosen = seed != null ? seed : System.nanoTime();
    Path runDir = (dir != null ? dir : Path.of(".pipeline", "chaos-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
        .toAbsolutePath();
    Files.createDirectories(runDir);
    System.out.printf("chaos: seed %d, %s minute(s), %d Kafka node(s), logs in %s%n", chosen, minutes, brokers, runDir);
    try (LocalStack stack = LocalStack.start(runDir.resolve("stack"), brokers, 0, 0)) {
      ChaosRun run = new ChaosRun(stack, chosen);
      HistoryCheck.Result result = run.run(Duration.ofMillis((long) (minutes * 60_000)), runDir, System.out);
      System.out.printf("chaos: seed %d, %d fault(s) injected, %d worker membership change(s)%n", chosen, run.injected().size(),
          run.membershipChanges());
      System.out.printf("chaos: %d job(s) on the topics, %d accepted%n", result.jobs(), result.accepted());
      result.exercised().forEach((what, n) -> System.out.printf("chaos:   exercised  %-40s %d%n", what, n));
      result.defects().forEach((defect, n) -> System.out.printf("chaos:   defect     %-40s %d%n", defect, n));
      result.defectsByFeature().forEach((defect, n) -> System.out.printf("chaos:   by feature %-40s %d%n", defect, n));
      if (!result.clean()) {
        System.out.println("chaos: FAILED: " + result.summary());
        return 1;
      }
      List<String> missing = run.notExercised(result);
      if (!missing.isEmpty()) {
        System.out.println("chaos: FAILED: a clean history that never exercised " + missing + " proves nothing about them; run longer");
        return 1;
      }
      System.out.println("chaos: history clean");
      return 0;
    }
  }
}
