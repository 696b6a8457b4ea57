package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.SimulatedTask;

/** The default Processing delay: a quick job commits once (Pending then Success); a slow one is shown Processing while it runs. */
@ExtendWith(KafkaStackExtension.class)
class ProcessingStatusIT {
  @Test
  void aQuickJobGoesFromPendingToSuccessWithoutProcessingWhileASlowJobIsShownProcessing(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.remove(LoopSettings.PROCESSING_DELAY); // the default, 100 ms
      Gateway gateway = pipeline.startGateway("processing-gw");
      pipeline.startWorker("processing-worker", Map.of("TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "600"));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 30);
        JobUpdate quick = client.submitAndFollow(new JobRequest(taskenum.SYMBOL1, null, null, "2024-01-01"), null, u -> { });
        JobUpdate slow = client.submitAndFollow(new JobRequest(taskenum.SYMBOL3, null, null, null), null, u -> { });

        assertThat(quick.status()).isEqualTo(statusenum.Success);
        assertThat(slow.status()).isEqualTo(statusenum.Success);
        assertThat(pipeline.statusEvents(quick.jobId())).extracting(JobStatus::getStatus).containsExactly(JobState.Pending, JobState.Success);
        assertThat(pipeline.statusEvents(slow.jobId())).extracting(JobStatus::getStatus)
            .containsExactly(JobState.Pending, JobState.Processing, JobState.Success);
        JobStatus quickSuccess = pipeline.statusEvents(quick.jobId()).get(1);
        assertThat(quickSuccess.getStartedTime()).isNotNull(); // its start time still travels, on the terminal event
        assertThat(quickSuccess.getSubmittedTime()).isNotNull();
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
