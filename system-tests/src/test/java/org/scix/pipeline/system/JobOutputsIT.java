package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.jobs.JobOutputs;
import org.scix.pipeline.schemas.output.TemplateOutput;

/** Results by job id on the real broker: read where the job's Success says they are, in order, from any replica; what is gone says so. */
@ExtendWith(KafkaStackExtension.class)
class JobOutputsIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aThreeOutputJobsOutputsComeBackInOrderByIdFromAnyReplicaAndWhatRetentionRemovedSaysSo(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway first = pipeline.startGateway("outputs-gw");
      Gateway other = pipeline.startGateway("outputs-gw-2");
      pipeline.startWorker("outputs-w", Map.of()); // SYMBOL1: one output per day of the daterange
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", first.port()).usePlaintext().build();
      ManagedChannel otherChannel = NettyChannelBuilder.forAddress("127.0.0.1", other.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        String jobId = client.submit(new JobRequest(taskenum.SYMBOL1, null, null, "2020-01-01:2020-01-03"), null).jobId();
        assertThat(client.follow(jobId, u -> { }).status()).isEqualTo(statusenum.Success);

        JobOutputs answer = new PipelineClient(otherChannel, 60).jobOutputs(jobId);
        List<TemplateOutput> outputs = PipelineClient.decodeOutputs(answer);
        assertThat(outputs).extracting(TemplateOutput::getRecordId)
            .containsExactly(jobId + "-2020-01-01", jobId + "-2020-01-02", jobId + "-2020-01-03");
        assertThat(answer.getOffsets()).hasSize(3).isSorted();
        assertThat(answer.getMissing()).isNull();

        JsonNode overHttp = get(other, "/api/jobs/" + jobId + "/outputs");
        assertThat(overHttp.get("outputs")).hasSize(3);
        assertThat(overHttp.get("outputs").get(0).get("value").get("record_id").asText()).isEqualTo(jobId + "-2020-01-01");

        // An unknown job is NOT_FOUND; a job that has not ended says so.
        assertThatThrownBy(() -> client.jobOutputs(JobIds.random()))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> client.jobOutputs("not-a-job-id"))
            .isInstanceOfSatisfying(PipelineClientException.class,
                e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));

        // The output topic's retention removes them: the answer says so instead of searching.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
          TopicPartition partition = new TopicPartition(pipeline.topics().output(), answer.getPartition());
          admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(answer.getOffsets().get(2) + 1))).all().get();
        }
        JobOutputs gone = client.jobOutputs(jobId);
        assertThat(gone.getOutputs()).isEmpty();
        assertThat(gone.getMissing()).contains("3 of its 3 output(s) are no longer on").contains("retention");
      } finally {
        channel.shutdownNow();
        otherChannel.shutdownNow();
      }
    }
  }

  private JsonNode get(Gateway gateway, String path) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new ObjectMapper().readTree(answer.body());
  }
}
