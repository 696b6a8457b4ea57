package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.examples.hello.HelloTask;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * A task written outside {@code worker/} (the {@code examples/hello-task} module, on the test
 * classpath as a team's jar would be on the worker's) is bound by name and runs end to end.
 */
@ExtendWith(KafkaStackExtension.class)
class PluggableTaskIT {
  @Test
  void aTaskFromItsOwnJarIsBoundByNameAndRunsEndToEnd(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.startWorker("plug-w", Map.of("TASK_SYMBOL1", HelloTask.NAME, HelloTask.GREETING, "good morning"));
      Gateway gateway = pipeline.startGateway("plug-gw");
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        JobUpdate last = client.submitAndFollow(new JobRequest(taskenum.SYMBOL1, true, "arxiv", "2024-01-01"), null, u -> { });

        assertThat(last.status()).isEqualTo(statusenum.Success);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(pipeline.records(pipeline.topic("OUTPUT_TOPIC")))
                .filteredOn(r -> last.jobId().equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
                    .contains(last.jobId() + "-hello").contains("good morning, arxiv")));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
