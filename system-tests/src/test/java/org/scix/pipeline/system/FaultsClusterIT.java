package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.bench.chaos.HistoryCheck;
import org.scix.pipeline.bench.chaos.SteadyLoad;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * Faults on a three-node cluster (replication factor 3, min.insync.replicas 2, no unclean leader
 * election) under steady load: a partition leader killed, a partition leader stopped cleanly and
 * restarted (one step of a rolling restart), a worker frozen past its session timeout, a gateway
 * killed and restarted under its id, a broker paused past the commit timeout.
 * After each, the whole history is checked: every job a caller saw Pending for ends with exactly
 * one terminal status, no status goes backwards, nothing stays Processing, no output is doubled.
 */
@ExtendWith(KafkaStackExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FaultsClusterIT {
  private static final Duration SETTLE = Duration.ofMinutes(2);

  @BeforeEach
  void needsACluster(KafkaStack stack) {
    assertThat(stack.brokerCount()).as("these tests run on the three-node cluster execution").isGreaterThanOrEqualTo(3);
  }

  private static Pipeline pipeline(KafkaStack stack) {
    Pipeline pipeline = new Pipeline(stack);
    pipeline.settings.put(TopicSettings.REPLICATION_FACTOR, "3");
    pipeline.settings.put(SubmitterSettings.SEND_DEADLINE, "4000");
    pipeline.settings.put(TaskSettings.SIMULATE_ALL_MS, "100");
    return pipeline;
  }

  @Test
  void killingTheLeaderOfABusyInputPartitionLosesAndDoublesNothing(KafkaStack stack) throws Exception {
    leaderOfPartitionZeroDownFor10s(stack, "leader", "INPUT_TOPIC", "killed", stack::killBroker);
  }

  @Test
  void aRollingRestartOfTheStatusLeaderLosesAndDoublesNothing(KafkaStack stack) throws Exception {
    // Controlled shutdown: leadership and transaction coordination move while commits are in flight.
    leaderOfPartitionZeroDownFor10s(stack, "rolling", "STATUS_TOPIC", "stopped cleanly", stack::stopBroker);
  }

  @Test
  void aWorkerFrozenPastItsSessionTimeoutAndThawedCommitsNothingStale(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = pipeline(stack)) {
      pipeline.settings.put(TaskSettings.SIMULATE_ALL_MS, "300");
      Gateway gateway = pipeline.startGateway("frozen-gw");
      ChildProcess frozen = pipeline.startWorkerProcess("frozen-w1", Map.of());
      pipeline.startWorkerProcess("frozen-w2", Map.of());
      underLoad(pipeline, List.of(gateway.port()), "worker frozen 15 s, then thawed", () -> {
        frozen.signal("STOP"); // past the 10 s session timeout: its partitions move, its jobs run again elsewhere
        Thread.sleep(15_000);
        frozen.signal("CONT"); // a zombie now: whatever it tries to commit must be fenced
      });
      // Its transaction outlived transaction.timeout.ms and was aborted by the coordinator: that is
      // no reason to stop. It rejoins and works on.
      assertThat(frozen.isAlive()).as("the thawed worker is still running").isTrue();
    }
  }

  @Test
  void killingAGatewayMidBurstAndRestartingItUnderItsIdLosesNothing(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = pipeline(stack)) {
      int port = Ports.free();
      ChildProcess first = pipeline.startGatewayProcess("restarted-gw", port);
      Gateway other = pipeline.startGateway("steady-gw");
      pipeline.startWorkerProcess("restarted-w", Map.of());
      underLoad(pipeline, List.of(port, other.port()), "gateway killed and restarted under its id", () -> {
        first.kill(); // mid-transaction, likely: its open transaction must not block readers for long
        Thread.sleep(2000);
        pipeline.startGatewayProcess("restarted-gw", port); // same id: fences and aborts its predecessor's transaction
      });
    }
  }

  @Test
  void pausingABrokerLongerThanTheCommitTimeoutLosesAndDoublesNothing(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = pipeline(stack)) {
      Gateway gateway = gatewayAndTwoWorkers(pipeline, "paused");
      int node = leaderOf(stack, pipeline.topic("STATUS_TOPIC"), 0);
      underLoad(pipeline, List.of(gateway.port()), "node " + node + " paused 15 s", () -> {
        stack.pauseBroker(node);
        Thread.sleep(15_000); // longer than every commit and delivery timeout of gateway and workers
        stack.resumeBroker(node);
      });
    }
  }

  /** Under load, the node leading partition 0 of a topic is taken down ({@code how}) for 10 s, then started again. */
  private static void leaderOfPartitionZeroDownFor10s(KafkaStack stack, String name, String topicKey, String how, IntConsumer takeDown)
      throws Exception {
    try (Pipeline pipeline = pipeline(stack)) {
      Gateway gateway = gatewayAndTwoWorkers(pipeline, name);
      String topic = pipeline.topic(topicKey);
      int leader = leaderOf(stack, topic, 0);
      underLoad(pipeline, List.of(gateway.port()), "leader of " + topic + "-0 (node " + leader + ") " + how + " 10 s", () -> {
        takeDown.accept(leader);
        Thread.sleep(10_000);
        stack.startBroker(leader);
      });
    }
  }

  /** A gateway in this JVM and two worker processes, named after the test. */
  private static Gateway gatewayAndTwoWorkers(Pipeline pipeline, String name) throws Exception {
    Gateway gateway = pipeline.startGateway(name + "-gw");
    pipeline.startWorkerProcess(name + "-w1", Map.of());
    pipeline.startWorkerProcess(name + "-w2", Map.of());
    return gateway;
  }

  /** A fault, injected and healed, between 5 s of steady load before and after it; then the whole history must be clean. */
  private static void underLoad(Pipeline pipeline, List<Integer> gatewayPorts, String fault, Fault injectAndHeal) throws Exception {
    SteadyLoad load = new SteadyLoad(gatewayPorts, 4, Duration.ofMillis(20)).start();
    Thread.sleep(5000);
    injectAndHeal.run();
    Thread.sleep(5000);
    load.close();
    assertClean(pipeline, load, fault);
  }

  @FunctionalInterface
  private interface Fault {
    void run() throws Exception;
  }

  private static void assertClean(Pipeline pipeline, SteadyLoad load, String fault) throws InterruptedException {
    HistoryCheck.Result result = HistoryCheck.awaitSettled(() -> HistoryCheck.read(pipeline.kafka(), pipeline.topics(), load.log()), SETTLE);
    System.out.printf("%s: %s; %d call(s) refused, %d answered outcome-unknown%n", fault, result.summary(), load.log().refusedTotal(),
        load.log().inDoubt().size());
    assertThat(load.log().acceptedIds()).as("jobs acknowledged around the fault").hasSizeGreaterThan(20);
    assertThat(result.clean()).as(result.summary()).isTrue();
  }

  private static int leaderOf(KafkaStack stack, String topic, int partition) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(partition).leader().id();
    }
  }
}
