package org.scix.pipeline.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.scix.pipeline.bench.Services.Service;
import org.scix.pipeline.bench.chaos.HistoryCheck;
import org.scix.pipeline.bench.chaos.MixedLoad;
import org.scix.pipeline.bench.chaos.StatusTail;
import org.scix.pipeline.bench.chaos.TopicHistory;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.gateway.status.StatusViewSettings;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.worker.WorkerConfig;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * A chaos run: the mixed load ({@link MixedLoad}: plain, long, keyed, overdue, flaky, failing,
 * cancelled and delayed jobs, a schedule ticking every 2 s, Monitor calls and racing Replays) through two gateways to two workers, while a
 * seeded random schedule kills, pauses and restarts brokers, workers and gateways and adds and
 * removes a third worker, one fault at a time; then the whole history is checked ({@link HistoryCheck})
 * against what every caller was told. The same seed gives the same schedule.
 */
public final class ChaosRun {
  private static final String PREFIX = "chaos";
  private static final String DASHBOARD_TOKEN = "chaos-run-dashboard-token";
  /** Short, so keyed ids turn over and retention sweeps forget finished jobs during the run. */
  private static final Duration IDEMPOTENCY_WINDOW = Duration.ofSeconds(30);
  private static final Duration RETENTION = Duration.ofSeconds(60);
  /** The task with a deadline: the load's overdue jobs run it for 6 s. */
  private static final Duration SYMBOL2_DEADLINE = MixedLoad.LIMITED_TASK_DEADLINE;
  private static final String EXTRA_WORKER = "w-extra";
  private static final Duration WORKER_SESSION_TIMEOUT = Duration.ofSeconds(10);
  /**
   * The gateways' submit transaction timeout, set here; their owned-work consumer's session timeout
   * is the same 10 s (Gateway). A gateway frozen longer than both is a zombie: its owned work moved,
   * its open transactions were aborted and its successor may fence it.
   */
  private static final Duration GATEWAY_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration GATEWAY_SESSION_TIMEOUT = Duration.ofSeconds(10);
  /** A status segment rolls this often, so compaction runs during the run: the checker reads the raw history (StatusTail). */
  private static final Duration STATUS_SEGMENT = Duration.ofSeconds(30);

  private final KafkaStack stack;
  private final Random random;
  private final long seed;
  private final List<String> injected = new ArrayList<>();
  private int membershipChanges;
  private int zombieGateways;
  private int exitedAndRestarted; // processes that exited on their own (fenced), restarted as a supervisor would
  private final List<Integer> kindsLeft = new ArrayList<>(); // this cycle's fault kinds, in random order
  private int cycles; // cycles of fault kinds begun
  private boolean shortRun; // faults closer together and held shorter
  /** Runs shorter than this inject faults closer together. */
  private static final Duration SHORT_RUN = Duration.ofMinutes(5);
  private PrintStream out = System.out;

  /** @param seed of the fault schedule and of the load's choices */
  public ChaosRun(KafkaStack stack, long seed) {
    this.stack = stack;
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** Runs for {@code duration} with logs under {@code logDir}, reporting each fault to {@code out}; then checks the history. */
  public HistoryCheck.Result run(Duration duration, Path logDir, PrintStream out) throws Exception {
    this.out = out;
    Map<String, String> env = Services.topics(PREFIX, 8);
    env.put(TopicSettings.REPLICATION_FACTOR, Integer.toString(Math.min(3, stack.brokerCount())));
    env.put(SubmitterSettings.SEND_DEADLINE, "4000");
    env.put(SubmitterSettings.TRANSACTION_TIMEOUT, Long.toString(GATEWAY_TRANSACTION_TIMEOUT.toMillis()));
    env.put(TopicSettings.STATUS_SEGMENT, Long.toString(STATUS_SEGMENT.toMillis()));
    env.put(ApiSettings.IDEMPOTENCY_WINDOW, Long.toString(IDEMPOTENCY_WINDOW.toMillis()));
    env.put(StatusViewSettings.RETENTION, Long.toString(RETENTION.toMillis()));
    env.put(DashboardSettings.ENABLED, "true");
    env.put(DashboardSettings.TOKEN, DASHBOARD_TOKEN);
    for (String task : List.of("SYMBOL1", "SYMBOL2", "SYMBOL3")) {
      env.put(TaskSettings.TASK_PREFIX + task, "scripted");
    }
    env.put(TaskSettings.TASK_PREFIX + "SYMBOL2" + TaskSettings.TASK_DEADLINE_SUFFIX, Long.toString(SYMBOL2_DEADLINE.toMillis()));
    env.put(WorkerConfig.GROUP_ID, PREFIX + "-workers");
    try (Services services = new Services(stack, logDir)) {
      List<Integer> gatewayPorts = List.of(Ports.free(), Ports.free());
      List<Integer> dashboardPorts = List.of(Ports.free(), Ports.free());
      Map<String, Service> gateways = new HashMap<>();
      Map<String, Service> workers = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        gateways.put("gw-" + i, startGateway(services, env, i, gatewayPorts, dashboardPorts));
        workers.put("w-" + i, services.worker("w-" + i, env));
      }
      Map<String, String> settings = new HashMap<>(env);
      settings.put(KafkaSettings.BOOTSTRAP_SERVERS, stack.bootstrapServers());
      settings.put(KafkaSettings.REGISTRY_URL, stack.schemaRegistryUrl());
      KafkaSettings kafka = KafkaSettings.from(Settings.of(settings));
      TopicSettings topics = TopicSettings.from(Settings.of(settings));
      MixedLoad load = new MixedLoad(gatewayPorts, dashboardPorts, DASHBOARD_TOKEN, IDEMPOTENCY_WINDOW, 8, seed).start();
      StatusTail tail = new StatusTail(kafka, topics.status()); // started now the gateways made the topics
      long end = System.nanoTime() + duration.toNanos();
      // A short run (CI's 2 minutes) has gaps of 1-3 s instead of 3-8 s between faults and goes on
      // past its length until every kind of fault was injected once (else a feature or fault path
      // would go unexercised and the run fail on that).
      shortRun = duration.compareTo(SHORT_RUN) < 0;
      while (System.nanoTime() < end || !everyKindInjected()) {
        sleep(shortRun ? 1000 + random.nextInt(2000) : 3000 + random.nextInt(5000));
        if (System.nanoTime() >= end && everyKindInjected()) {
          break;
        }
        restartExited(services, env, gateways, workers, gatewayPorts, dashboardPorts);
        injectOne(services, env, gateways, workers, gatewayPorts, dashboardPorts);
      }
      sleep(3000);
      restartExited(services, env, gateways, workers, gatewayPorts, dashboardPorts);
      load.stop();
      out.printf("chaos: %d fault(s) injected (%d worker membership change(s), %d process(es) exited on their own and restarted), "
          + "%d job(s) accepted, %d call(s) refused, %d answered outcome-unknown; checking history%n", injected.size(), membershipChanges,
          exitedAndRestarted, load.log().acceptedIds().size(),
          load.log().refusedTotal(), load.log().inDoubt().size());
      try (tail; load) {
        HistoryCheck.awaitSettled(() -> HistoryCheck.check(TopicHistory.read(kafka, topics, tail), load.log()), Duration.ofMinutes(3));
        load.askAtTheEnd(); // the replicas' read answers, once settled, against the topics read after them
        return HistoryCheck.check(TopicHistory.read(kafka, topics, tail), load.log());
      }
    }
  }

  /** What a run must have exercised for its clean history to mean something. */
  private static final List<String> MUST_EXERCISE = List.of("keyed races accepted on both replicas", "cancels acknowledged",
      "replay calls", "jobs retried", "jobs past their deadline", "dead letters on the topic", "jobs with Processing", "jobs cancelled",
      "streams completed", "Monitor answers", "jobs forgotten by retention",
      "delayed jobs run", "delayed jobs cancelled before due", "schedule ticks with a job", "bulk jobs run", "batches accepted",
      "batches cancelled", "batch jobs cancelled", "Successes naming their outputs",
      "progress reports", "parked jobs ended", "task pauses", "parked jobs cancelled", "limited task at its limit on a worker",
      "cancel-all calls", "replay-all calls", "schedule pauses resumed", "schedule ticks after a resume",
      "read answers held against the final topics", "slowly streamed batches accepted");

  /** The features and fault paths this run never took (empty: all of them were exercised). */
  public List<String> notExercised(HistoryCheck.Result result) {
    List<String> missing = new ArrayList<>();
    MUST_EXERCISE.forEach(name -> {
      if (result.exercised().getOrDefault(name, 0) == 0) {
        missing.add(name);
      }
    });
    if (membershipChanges == 0) {
      missing.add("worker membership changes");
    }
    if (zombieGateways == 0) {
      missing.add("gateway frozen past its session and transaction timeouts");
    }
    return missing;
  }

  public List<String> injected() {
    return injected;
  }

  /** Workers that joined or left the group (each a rebalance): kills, graceful stops, the extra worker coming and going. */
  public int membershipChanges() {
    return membershipChanges;
  }

  private static Service startGateway(Services services, Map<String, String> env, int index, List<Integer> gatewayPorts,
      List<Integer> dashboardPorts) throws Exception {
    Map<String, String> own = new HashMap<>(env);
    own.put(DashboardSettings.PORT, Integer.toString(dashboardPorts.get(index)));
    if (index == 0) {
      own.put(SubmitterSettings.LANES, "2"); // the default is one lane; transactions open at once on one replica stay under faults too
    }
    return services.gateway("gw-" + index, gatewayPorts.get(index), own, "256m");
  }

  /** Whether the first cycle of fault kinds is complete. */
  private boolean everyKindInjected() {
    return cycles > 1 || (cycles == 1 && kindsLeft.isEmpty());
  }

  /**
   * The next kind of fault: the kinds come in cycles, each a random permutation of all of them,
   * so even a short run injects every kind (independent draws left a 2-minute run without a
   * single worker joining or leaving).
   */
  private int nextKind() {
    if (kindsLeft.isEmpty()) {
      cycles++;
      for (int kind = 0; kind < (stack.brokerCount() >= 3 ? 7 : 5); kind++) {
        kindsLeft.add(kind);
      }
      Collections.shuffle(kindsLeft, random);
    }
    return kindsLeft.remove(0);
  }

  /**
   * What a supervisor (Kubernetes, systemd, compose's restart policy) does: a process that exited
   * on its own is started again under its id. A gateway fenced after a freeze past its transaction
   * timeout exits by design (it cannot prove it has no successor); so may a worker that finds one.
   */
  private void restartExited(Services services, Map<String, String> env, Map<String, Service> gateways, Map<String, Service> workers,
      List<Integer> gatewayPorts, List<Integer> dashboardPorts) throws Exception {
    for (int index = 0; index < 2; index++) {
      String name = "gw-" + index;
      if (!gateways.get(name).process().isAlive()) {
        note("gateway %s exited on its own (status %d): restarted under its id", name, gateways.get(name).process().exitValue());
        gateways.put(name, startGateway(services, env, index, gatewayPorts, dashboardPorts));
        exitedAndRestarted++;
      }
    }
    for (Map.Entry<String, Service> worker : workers.entrySet()) {
      if (!worker.getValue().process().isAlive()) {
        note("worker %s exited on its own (status %d): restarted under its id", worker.getKey(), worker.getValue().process().exitValue());
        worker.setValue(services.worker(worker.getKey(), env));
        exitedAndRestarted++;
        membershipChanges++;
      }
    }
  }

  /** One fault, held for a random while, then healed. */
  private void injectOne(Services services, Map<String, String> env, Map<String, Service> gateways, Map<String, Service> workers,
      List<Integer> gatewayPorts, List<Integer> dashboardPorts) throws Exception {
    int kind = nextKind();
    long hold = 3000 + random.nextInt(shortRun ? 3000 : 9000);
    switch (kind) {
      case 0 -> {
        String name = "w-" + random.nextInt(2);
        note("SIGKILL worker %s, restart after %d ms", name, hold);
        workers.get(name).process().kill();
        sleep(hold);
        workers.put(name, services.worker(name, env));
        membershipChanges += 2;
      }
      case 1 -> {
        String name = "w-" + random.nextInt(2);
        long frozen = 5000 + random.nextInt(12000); // sometimes past the session timeout: the group moves its partitions
        note("SIGSTOP worker %s for %d ms, then SIGCONT", name, frozen);
        workers.get(name).process().signal("STOP");
        sleep(frozen);
        workers.get(name).process().signal("CONT");
        if (frozen > WORKER_SESSION_TIMEOUT.toMillis()) {
          membershipChanges += 2;
        }
      }
      case 2 -> {
        int index = random.nextInt(2);
        String name = "gw-" + index;
        note("SIGKILL gateway %s, restart under its id after %d ms", name, hold);
        gateways.get(name).process().kill();
        sleep(hold);
        gateways.put(name, startGateway(services, env, index, gatewayPorts, dashboardPorts));
      }
      case 3 -> {
        // A worker joins or leaves while transactions are open: a cooperative rebalance moves partitions under load.
        Service extra = workers.remove(EXTRA_WORKER);
        if (extra == null) {
          note("add worker %s", EXTRA_WORKER);
          workers.put(EXTRA_WORKER, services.worker(EXTRA_WORKER, env));
        } else {
          note("stop worker %s (SIGTERM: drain and leave)", EXTRA_WORKER);
          services.stop(extra);
        }
        membershipChanges++;
      }
      case 4 -> {
        // Past both timeouts: its owned work moves, its open transactions are aborted; thawed, it is a zombie (issue 29, 2 and 4).
        String name = "gw-" + random.nextInt(2);
        long frozen = Math.max(GATEWAY_TRANSACTION_TIMEOUT.toMillis(), GATEWAY_SESSION_TIMEOUT.toMillis()) + 2000 + random.nextInt(4000);
        note("SIGSTOP gateway %s for %d ms (past its session and transaction timeouts), then SIGCONT", name, frozen);
        gateways.get(name).process().signal("STOP");
        sleep(frozen);
        gateways.get(name).process().signal("CONT");
        zombieGateways++;
      }
      case 5 -> {
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
