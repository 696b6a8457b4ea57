package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/** Delayed jobs (Init with run-at) on the real broker: on time, exactly once, across the loss of a replica, and cancellable. */
@ExtendWith(KafkaStackExtension.class)
class DelayedJobsIT {
  private static final JobRequest JOB = new JobRequest(taskenum.SYMBOL3, null, null, null);

  @Test
  void aJobDelayedFiveSecondsStaysPendingThenRunsOnceAtItsTime(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("delay-gw");
      pipeline.startWorker("delay-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        Instant due = Instant.now().plusSeconds(5);
        String jobId = client.submit(JOB, null, due).jobId();
        assertThat(client.monitor(jobId).status()).isEqualTo(statusenum.Pending);

        assertThat(client.follow(jobId, u -> { }).status()).isEqualTo(statusenum.Success);

        List<JobStatus> events = pipeline.statusEvents(jobId);
        assertThat(events.get(0).getStatus()).isEqualTo(JobState.Pending);
        assertThat(events.get(0).getDueTime()).isEqualTo(due.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        JobStatus end = events.stream().filter(e -> JobStates.isTerminal(e.getStatus())).collect(onlyOne());
        assertThat(end.getStartedTime()).as("started no earlier than due").isAfterOrEqualTo(due.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(end.getDueTime()).isNotNull();
        assertThat(jobRecordsOnInput(pipeline, jobId)).isEqualTo(1);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void delayedJobsRunOnceEachWhenTheReplicaThatAcceptedThemIsKilledBeforeTheyAreDue(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.startWorker("delay-kill-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      int portA = Ports.free();
      int portB = Ports.free();
      ChildProcess a = pipeline.startGatewayProcess("delay-kill-a", portA);
      pipeline.startGatewayProcess("delay-kill-b", portB);
      ManagedChannel channelA = NettyChannelBuilder.forAddress("127.0.0.1", portA).usePlaintext().build();
      ManagedChannel channelB = NettyChannelBuilder.forAddress("127.0.0.1", portB).usePlaintext().build();
      try {
        // Enough jobs to land on every partition: the killed replica owns some of them.
        List<String> jobIds = new ArrayList<>();
        Instant due = Instant.now().plusSeconds(5);
        PipelineClient viaA = new PipelineClient(channelA, 60);
        for (int i = 0; i < 20; i++) {
          jobIds.add(viaA.submit(JOB, null, due).jobId());
        }
        a.kill();

        PipelineClient viaB = new PipelineClient(channelB, 60);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
            assertThat(jobIds).allSatisfy(id -> assertThat(viaB.monitor(id).status()).isEqualTo(statusenum.Success)));
        Map<String, Long> ends = pipeline.statusEvents().stream().filter(e -> JobStates.isTerminal(e.getStatus()))
            .collect(Collectors.groupingBy(JobStatus::getJobId, Collectors.counting()));
        assertThat(jobIds).allSatisfy(id -> assertThat(ends.get(id)).as("terminal statuses of %s", id).isEqualTo(1));
        assertThat(jobIds).allSatisfy(id -> assertThat(jobRecordsOnInput(pipeline, id)).as("input records of %s", id).isEqualTo(1));
      } finally {
        channelA.shutdownNow();
        channelB.shutdownNow();
      }
    }
  }

  @Test
  void aDelayedJobCancelledBeforeItIsDueEndsCancelledAndNeverRuns(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("delay-cancel-gw");
      pipeline.startWorker("delay-cancel-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        String jobId = client.submit(JOB, null, Instant.now().plusSeconds(4)).jobId();

        assertThat(client.cancel(jobId).status()).isEqualTo(statusenum.Error);
        Thread.sleep(6000); // past its due time

        List<JobStatus> events = pipeline.statusEvents(jobId);
        assertThat(events).extracting(JobStatus::getStatus).containsExactly(JobState.Pending, JobState.Error);
        assertThat(events.get(1).getErrorReason()).isEqualTo(ControlRecords.CANCELLED_REASON);
        assertThat(jobRecordsOnInput(pipeline, jobId)).isZero();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Job records (not cancel requests) of {@code jobId} on the input topic. */
  private static long jobRecordsOnInput(Pipeline pipeline, String jobId) {
    return pipeline.records(pipeline.settings.get("INPUT_TOPIC")).stream()
        .filter(r -> jobId.equals(r.key()) && ControlRecords.instruction(r.headers()) == null).count();
  }

  private static <T> java.util.stream.Collector<T, ?, T> onlyOne() {
    return Collectors.collectingAndThen(Collectors.toList(), list -> {
      assertThat(list).hasSize(1);
      return list.get(0);
    });
  }
}
