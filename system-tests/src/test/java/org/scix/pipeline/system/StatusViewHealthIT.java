package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;

/** The gateway's health on the real broker: a dead status reader is NOT_SERVING; a partition added at runtime is read. */
@ExtendWith(KafkaStackExtension.class)
class StatusViewHealthIT {
  @Test
  void aKilledStatusReaderTurnsTheReplicaNotServing(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("reader-gw");
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);

        Thread reader = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("status-view-loader-scix-gateway-view-reader-gw")).findFirst().orElseThrow();
        reader.interrupt(); // its consumer's poll throws: the reader thread dies

        await().atMost(Duration.ofSeconds(10)).until(() ->
            health.check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.NOT_SERVING);
        assertThat(gateway.isServing()).isFalse();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aPartitionAddedToTheStatusTopicAtRuntimeIsRead(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("partitions-gw");
      String statusTopic = pipeline.topic("STATUS_TOPIC");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
        admin.createPartitions(Map.of(statusTopic, NewPartitions.increaseTo(6))).all().get();
      }
      String jobId = JobIds.random();
      PipelineSerdes serdes = new PipelineSerdes(pipeline.kafka());
      try (KafkaProducer<String, Object> producer = new KafkaProducer<>(
          Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()), new StringSerializer(), serdes.recordValues())) {
        producer.send(new ProducerRecord<>(statusTopic, 5, jobId,
            JobStatuses.event(jobId, JobState.Processing, "SYMBOL1", 1, "elsewhere", null, null))).get();
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 30);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() -> {
          JobUpdate seen = client.monitor(jobId);
          assertThat(seen.status()).isEqualTo(statusenum.Processing);
        });
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
