package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.submit.SubmitterSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.LocalSchemaRegistry;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.registry.RegistryConfig;
import org.scix.pipeline.schemas.registry.SchemaRegistryClient;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/** Fault injection against the real broker and registry: the only broker frozen mid-burst, gateway restart mid-stream, registry down. */
@ExtendWith(KafkaStackExtension.class)
class OutagesIT {
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{64}");
  private static final JobRequest JOB = new JobRequest(taskenum.SYMBOL3, null, null, null);

  @Test
  void freezingTheOnlyBrokerDuringABurstLeavesEveryAcceptedJobTerminalExactlyOnce(KafkaStack stack) throws Exception {
    Assumptions.assumeTrue(stack.canPauseBroker(), "needs a broker this test can freeze: " + stack.description());
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(SubmitterSettings.SEND_DEADLINE, "3000");
      Gateway gateway = pipeline.startGateway("outage-gw");
      pipeline.startWorker("outage-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "100"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      List<Status.Code> refusals = new CopyOnWriteArrayList<>();
      Set<String> inDoubt = ConcurrentHashMap.newKeySet(); // DEADLINE_EXCEEDED: sent, commit outcome unknown
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        ExecutorService submitters = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 8; i++) {
          submitters.execute(() -> {
            for (int n = 0; n < 40; n++) {
              try {
                accepted.add(client.submit(JOB, null).jobId());
              } catch (PipelineClientException e) {
                refusals.add(e.status().getCode());
                if (e.status().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                  Matcher id = JOB_ID.matcher(String.valueOf(e.status().getDescription()));
                  assertThat(id.find()).as("an outcome-unknown answer names the job: %s", e.status()).isTrue();
                  inDoubt.add(id.group());
                }
              }
              sleep(50);
            }
          });
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 40);
        // Kafka gone for 15 s: longer than the submit deadline and the worker's commit timeout, and
        // past the consumers' session timeout. Frozen (SIGSTOP), not restarted: a lone node that restarts,
        // cleanly or not, can drop the commit markers of a transaction it had confirmed (Kafka's
        // behaviour, docs/status.md). Restarts are FaultsClusterIT's, on three nodes.
        stack.pauseBroker(1);
        sleep(15_000);
        stack.resumeBroker(1);
        submitters.shutdown();
        assertThat(submitters.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

        System.out.printf("broker frozen mid-burst: %d job(s) accepted, %d refused%n", accepted.size(), refusals.size());
        // Calls that could not reach Kafka were answered in time, never left hanging: not accepted
        // (UNAVAILABLE), or, where the commit was sent but not confirmed, outcome unknown naming the job.
        assertThat(refusals).isNotEmpty().containsOnly(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
          List<JobStatus> events = pipeline.statusEvents();
          Map<String, List<JobStatus>> terminal = events.stream()
              .filter(e -> JobStates.isTerminal(e.getStatus()))
              .collect(Collectors.groupingBy(JobStatus::getJobId));
          // Where the unfinished ones stand (their last event, or none), so a failure says which side is stuck.
          Map<String, String> lastOfUnfinished = new java.util.TreeMap<>();
          events.forEach(e -> {
            if (accepted.contains(e.getJobId()) && !terminal.containsKey(e.getJobId())) {
              lastOfUnfinished.put(e.getJobId(), e.getStatus() + " by " + e.getWorker());
            }
          });
          accepted.stream().filter(id -> !terminal.containsKey(id)).forEach(id -> lastOfUnfinished.putIfAbsent(id, "no event"));
          assertThat(lastOfUnfinished).as("accepted jobs without a terminal status, by their last event (%s)",
              lastOfUnfinished.values().stream().collect(Collectors.groupingBy(v -> v, Collectors.counting()))).isEmpty();
          assertThat(terminal.values()).allSatisfy(ends -> assertThat(ends).hasSize(1));
          // A job in doubt either never committed (no events at all) or runs to one terminal status.
          Set<String> known = pipeline.statusEvents().stream().map(JobStatus::getJobId).collect(Collectors.toSet());
          assertThat(inDoubt).allSatisfy(id -> assertThat(!known.contains(id) || terminal.containsKey(id)).isTrue());
        });
        // The gateway recovered by itself: new submissions are accepted and finish.
        assertThat(client.submitAndFollow(JOB, null, u -> { }).status()).isEqualTo(statusenum.Success);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void streamsOfAStoppedGatewayEndUnavailableAndItsSuccessorAnswersFromTheRebuiltView(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.startWorker("restart-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "3000"));
      Gateway first = pipeline.startGateway("restart-gw");
      ManagedChannel firstChannel = NettyChannelBuilder.forAddress("127.0.0.1", first.port()).usePlaintext().build();
      String jobId;
      try {
        PipelineClient client = new PipelineClient(firstChannel, 60);
        jobId = client.submit(JOB, null).jobId();
        var following = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.follow(jobId, u -> { }));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.metrics().get("pipeline.streams.open").gauge().value() == 1);

        first.close();

        assertThat(following).failsWithin(Duration.ofSeconds(20)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
            .satisfies(e -> assertThat(((PipelineClientException) e.getCause()).status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        firstChannel.shutdownNow();
      }

      Gateway successor = pipeline.startGateway("restart-gw"); // same instance id: fences its predecessor
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", successor.port()).usePlaintext().build();
      try {
        JobUpdate end = new PipelineClient(channel, 60).follow(jobId, u -> { });
        assertThat(end.status()).isEqualTo(statusenum.Success);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void withTheRegistryDownCachedSchemasKeepJobsFlowingAndOnlyNewSchemasFailClearly(KafkaStack stack) throws Exception {
    // A registry of this test's own, so stopping it does not disturb the other tests.
    LocalSchemaRegistry registry = new LocalSchemaRegistry(Path.of("target", "registry-outage"), Ports.free());
    registry.start();
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put("SCHEMA_REGISTRY_URL", registry.url());
      Gateway gateway = pipeline.startGateway("registry-gw");
      pipeline.startWorker("registry-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        assertThat(client.submitAndFollow(JOB, null, u -> { }).status()).isEqualTo(statusenum.Success); // caches warm

        registry.stop();

        for (int i = 0; i < 5; i++) {
          assertThat(client.submitAndFollow(JOB, null, u -> { }).status()).isEqualTo(statusenum.Success);
        }
        Schema brandNew = SchemaBuilder.record("Unregistered").namespace("org.scix.test").fields().requiredString("x").endRecord();
        assertThatThrownBy(() -> new SchemaRegistryClient(RegistryConfig.of(registry.url())).register("brand-new-value", brandNew))
            .isInstanceOf(SchemaRegistryException.class)
            .hasMessageContaining("brand-new-value");
      } finally {
        channel.shutdownNow();
      }
    } finally {
      registry.stop();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
