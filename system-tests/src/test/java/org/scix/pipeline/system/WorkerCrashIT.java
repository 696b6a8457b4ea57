package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/** Fault injection with real worker processes: SIGKILL one of two mid-burst; every job still ends Success exactly once. */
@ExtendWith(KafkaStackExtension.class)
class WorkerCrashIT {
  private static final int JOBS = 400;

  @Test
  void killingOneOfTwoWorkersMidBurstLosesNothingAndDuplicatesNoTerminalStatus(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("crash-gw");
      ChildProcess victim = pipeline.startWorkerProcess("crash-a", Map.of(TaskSettings.SIMULATE_ALL_MS, "200"));
      pipeline.startWorkerProcess("crash-b", Map.of(TaskSettings.SIMULATE_ALL_MS, "200"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      Set<String> submitted = ConcurrentHashMap.newKeySet();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        // Warm up until both processes have taken jobs, so the victim holds partitions when it dies.
        await().atMost(Duration.ofSeconds(90)).until(() -> {
          for (int i = 0; i < 16; i++) {
            client.submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null);
          }
          Thread.sleep(1000);
          return pipeline.statusEvents().stream().map(JobStatus::getWorker).collect(Collectors.toSet())
              .containsAll(Set.of("worker-crash-a", "worker-crash-b"));
        });
        ExecutorService pool = Executors.newFixedThreadPool(32);
        for (int i = 0; i < JOBS; i++) {
          pool.execute(() -> submitted.add(client.submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null).jobId()));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(submitted).hasSize(JOBS);

        // Kill the victim once it is busy: some of its jobs are Processing, uncommitted.
        await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.statusEvents().stream()
            .anyMatch(e -> e.getStatus() == JobState.Processing && "worker-crash-a".equals(e.getWorker())
                && submitted.contains(e.getJobId())));
        victim.kill();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() ->
            terminalCounts(pipeline.statusEvents()).keySet().containsAll(submitted));
      } finally {
        channel.shutdownNow();
      }
      List<JobStatus> events = pipeline.statusEvents();
      Map<String, Long> terminals = terminalCounts(events);
      assertThat(terminals.keySet()).containsAll(submitted);
      assertThat(terminals.values()).allMatch(n -> n == 1L);
      assertThat(events).filteredOn(e -> JobStates.isTerminal(e.getStatus())).allMatch(e -> e.getStatus() == JobState.Success);
      Set<String> reprocessed = new HashSet<>(events.stream().filter(e -> e.getStatus() == JobState.Processing)
          .collect(Collectors.groupingBy(JobStatus::getJobId, Collectors.counting())).entrySet().stream()
          .filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList());
      System.out.printf("worker crash: %d jobs (plus warm-up), %d terminal events, %d jobs ran twice (Processing twice), all Success once%n",
          JOBS, terminals.values().stream().mapToLong(Long::longValue).sum(), reprocessed.size());
    }
  }

  private static Map<String, Long> terminalCounts(List<JobStatus> events) {
    return events.stream().filter(e -> JobStates.isTerminal(e.getStatus()))
        .collect(Collectors.groupingBy(JobStatus::getJobId, Collectors.counting()));
  }

}
