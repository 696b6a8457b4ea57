package org.scix.pipeline.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.scix.pipeline.bench.Services.Service;
import org.scix.pipeline.bench.chaos.HistoryCheck;
import org.scix.pipeline.bench.chaos.SteadyLoad;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.worker.WorkerConfig;

/**
 * A chaos run: steady submissions through two gateways to two workers while a seeded random
 * schedule kills, pauses and restarts brokers, workers and gateways, one fault at a time; then the
 * whole history is checked ({@link HistoryCheck}). The same seed gives the same schedule.
 */
public final class ChaosRun {
  private static final String PREFIX = "chaos";

  private final KafkaStack stack;
  private final Random random;
  private final List<String> injected = new ArrayList<>();
  private PrintStream out = System.out;

  /** @param seed of the fault schedule: the same seed, the same faults at the same moments */
  public ChaosRun(KafkaStack stack, long seed) {
    this.stack = stack;
    this.random = new Random(seed);
  }

  /** Runs for {@code duration} with logs under {@code logDir}, reporting each fault to {@code out}; then checks the history. */
  public HistoryCheck.Result run(Duration duration, Path logDir, PrintStream out) throws Exception {
    this.out = out;
    Map<String, String> env = Services.topics(PREFIX, 8);
    env.put(TopicSettings.REPLICATION_FACTOR, Integer.toString(Math.min(3, stack.brokerCount())));
    env.put(GatewayConfig.SUBMIT_TIMEOUT, "4000");
    env.put(WorkerConfig.SIMULATE_ALL_MS, "50");
    env.put(WorkerConfig.GROUP_ID, PREFIX + "-workers");
    try (Services services = new Services(stack, logDir)) {
      List<Integer> gatewayPorts = List.of(Ports.free(), Ports.free());
      Map<String, Service> gateways = new HashMap<>();
      Map<String, Service> workers = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        gateways.put("gw-" + i, services.gateway("gw-" + i, gatewayPorts.get(i), env, "256m"));
        workers.put("w-" + i, services.worker("w-" + i, env));
      }
      SteadyLoad load = new SteadyLoad(gatewayPorts, 4, Duration.ofMillis(25)).start();
      long end = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < end) {
        sleep(3000 + random.nextInt(5000));
        if (System.nanoTime() >= end) {
          break;
        }
        injectOne(services, env, gateways, workers, gatewayPorts);
      }
      sleep(3000);
      load.close();
      out.printf("chaos: %d fault(s) injected, %d job(s) acknowledged, %d call(s) refused, %d answered outcome-unknown; checking history%n",
          injected.size(), load.acked().size(), load.refused(), load.inDoubt().size());
      Map<String, String> settings = new HashMap<>(env);
      settings.put(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers());
      settings.put(KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl());
      KafkaSettings kafka = KafkaSettings.from(Settings.of(settings));
      TopicSettings topics = TopicSettings.from(Settings.of(settings));
      return HistoryCheck.awaitSettled(() -> HistoryCheck.read(kafka, topics, load.acked()), Duration.ofMinutes(3));
    }
  }

  public List<String> injected() {
    return injected;
  }

  /** One fault, held for a random while, then healed. */
  private void injectOne(Services services, Map<String, String> env, Map<String, Service> gateways, Map<String, Service> workers,
      List<Integer> gatewayPorts) throws Exception {
    int kind = random.nextInt(stack.brokerCount() >= 3 ? 5 : 3);
    long hold = 3000 + random.nextInt(9000);
    switch (kind) {
      case 0 -> {
        String name = "w-" + random.nextInt(2);
        note("SIGKILL worker %s, restart after %d ms", name, hold);
        workers.get(name).process().kill();
        sleep(hold);
        workers.put(name, services.worker(name, env));
      }
      case 1 -> {
        String name = "w-" + random.nextInt(2);
        long frozen = 5000 + random.nextInt(12000); // sometimes past the 10 s session timeout
        note("SIGSTOP worker %s for %d ms, then SIGCONT", name, frozen);
        workers.get(name).process().signal("STOP");
        sleep(frozen);
        workers.get(name).process().signal("CONT");
      }
      case 2 -> {
        int index = random.nextInt(2);
        String name = "gw-" + index;
        note("SIGKILL gateway %s, restart under its id after %d ms", name, hold);
        gateways.get(name).process().kill();
        sleep(hold);
        gateways.put(name, services.gateway(name, gatewayPorts.get(index), env, "256m"));
      }
      case 3 -> {
        int node = 1 + random.nextInt(stack.brokerCount());
        note("SIGKILL Kafka node %d, restart after %d ms", node, hold);
        stack.killBroker(node);
        sleep(hold);
        stack.startBroker(node);
      }
      default -> {
        int node = 1 + random.nextInt(stack.brokerCount());
        long paused = 5000 + random.nextInt(10000);
        note("SIGSTOP Kafka node %d for %d ms, then SIGCONT", node, paused);
        stack.pauseBroker(node);
        sleep(paused);
        stack.resumeBroker(node);
      }
    }
  }

  private void note(String format, Object... args) {
    String fault = String.format(format, args);
    injected.add(fault);
    out.printf("chaos: fault %d: %s%n", injected.size(), fault);
  }

  private static void sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
