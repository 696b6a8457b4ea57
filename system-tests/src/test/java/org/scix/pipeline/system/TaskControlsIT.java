package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.schemas.tasks.TaskInfo;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.SimulatedTask;

/** Pausing and resuming a task on the real broker: its jobs wait parked in Kafka, across a worker restart, and run once each after. */
@ExtendWith(KafkaStackExtension.class)
class TaskControlsIT {
  private static final Map<String, String> WORKER = Map.of("TASK_SYMBOL1", "simulated", "TASK_SYMBOL2", "simulated",
      "TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "1", LoopSettings.CONCURRENCY, "8");

  @Test
  void aPausedTasksThousandQueuedJobsStartNoneUntilResumedWhileOtherTasksFlowAndThenEachRunsOnce(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("tasks-gw");
      Worker first = pipeline.startWorker("tasks-w1", WORKER);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        TaskInfo paused = client.pauseTask("SYMBOL1", "tasks-it");
        assertThat(paused.getPaused()).isTrue();
        assertThat(paused.getPausedBy()).isEqualTo("tasks-it");
        assertThat(client.listTasks()).filteredOn(TaskInfo::getPaused).extracting(TaskInfo::getTask).containsExactly("SYMBOL1");

        List<String> held = Pipeline.submitMany(client, taskenum.SYMBOL1, null, 1000);
        List<String> flowing = Pipeline.submitMany(client, taskenum.SYMBOL2, null, 50);
        for (String id : flowing) {
          assertThat(client.follow(id, u -> { }).status()).as("other tasks keep flowing").isEqualTo(statusenum.Success);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> parkedKeys(pipeline).containsAll(held));
        assertThat(startedOrEnded(pipeline, held)).as("no job of the paused task started").isEmpty();

        // The pause is in Kafka: a new worker (the old one gone) starts none of them either, and parks a new one.
        first.close();
        pipeline.startWorker("tasks-w2", WORKER);
        pipeline.awaitWorkersAssigned(1);
        String late = Pipeline.submitMany(client, taskenum.SYMBOL1, null, 1).get(0);
        await().atMost(Duration.ofSeconds(60)).until(() -> parkedKeys(pipeline).contains(late));
        assertThat(startedOrEnded(pipeline, held)).isEmpty();

        assertThat(client.resumeTask("SYMBOL1", "tasks-it").getPaused()).isFalse();
        List<String> all = new ArrayList<>(held);
        all.add(late);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
            .until(() -> Pipeline.ended(pipeline.statusEvents(), all).size() == all.size());
        Map<String, List<JobStatus>> events = pipeline.statusEvents().stream().filter(e -> all.contains(e.getJobId()))
            .collect(Collectors.groupingBy(JobStatus::getJobId));
        assertThat(events).hasSize(all.size()).allSatisfy((id, jobEvents) -> {
          assertThat(jobEvents).filteredOn(e -> JobStates.isTerminal(e.getStatus())).extracting(JobStatus::getStatus)
              .as("job %s ends once, Success", id).containsExactly(JobState.Success);
          assertThat(jobEvents).filteredOn(e -> e.getStatus() == JobState.Processing).as("job %s ran once", id).hasSize(1);
        });
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** A cancel of a parked job follows it to the parked topic: the job never runs and ends cancelled once its task is resumed. */
  @Test
  void aCancelledParkedJobNeverRunsAndEndsCancelledWhenItsTaskIsResumed(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("tasks-cancel-gw");
      pipeline.startWorker("tasks-cancel-w", WORKER);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        client.pauseTask("SYMBOL3", "tasks-it");
        String jobId = Pipeline.submitMany(client, taskenum.SYMBOL3, null, 1).get(0);
        await().atMost(Duration.ofSeconds(60)).until(() -> parkedKeys(pipeline).contains(jobId));

        assertThat(client.cancel(jobId).status()).as("parked: nothing ends it before its task is resumed").isEqualTo(statusenum.Pending);
        await("the cancel followed the job to the parked topic").atMost(Duration.ofSeconds(60)).until(() -> parkedRecords(pipeline)
            .stream().anyMatch(r -> r.key().equals(jobId) && ControlRecords.CANCEL.equals(ControlRecords.instruction(r.headers()))));

        client.resumeTask("SYMBOL3", "tasks-it");
        assertThat(client.follow(jobId, u -> { }).status()).isEqualTo(statusenum.Error);
        List<JobStatus> events = pipeline.statusEvents(jobId);
        assertThat(events).extracting(JobStatus::getStatus).containsExactly(JobState.Pending, JobState.Error);
        assertThat(events.get(1).getErrorReason()).isEqualTo("cancelled");
        // The cancel was also put on the control topic (its task was paused); carried out, it is tombstoned there.
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> control = pipeline.records(pipeline.topics().control())
            .stream().filter(r -> r.key().equals("job/" + jobId + "/cancelled")).toList();
        assertThat(control).hasSize(2);
        assertThat(control.get(1).value()).isNull();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static List<ConsumerRecord<String, byte[]>> parkedRecords(Pipeline pipeline) {
    return pipeline.records(pipeline.topics().parked());
  }

  private static Set<String> parkedKeys(Pipeline pipeline) {
    return parkedRecords(pipeline).stream().map(ConsumerRecord::key).collect(Collectors.toSet());
  }

  /** Jobs of {@code ids} with any event past Pending. */
  private static Set<String> startedOrEnded(Pipeline pipeline, Collection<String> ids) {
    Set<String> wanted = Set.copyOf(ids);
    return pipeline.statusEvents().stream().filter(e -> wanted.contains(e.getJobId()) && e.getStatus() != JobState.Pending)
        .map(JobStatus::getJobId).collect(Collectors.toSet());
  }
}
