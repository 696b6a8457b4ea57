package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * The read barrier on a real broker: a transaction left open on the status topic puts the last
 * stable offset before a Pending that committed after it. A replica that has not read that
 * Pending must wait for it, not answer NOT_FOUND for a job another replica just accepted.
 */
@ExtendWith(KafkaStackExtension.class)
class ReadBarrierIT {
  @Test
  void aJobCommittedBehindAnOpenTransactionIsFoundOnAnotherReplicaNotReportedMissing(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(ApiSettings.SYNC_TIMEOUT, "15000");
      Gateway accepting = pipeline.startGateway("barrier-a");
      Gateway asked = pipeline.startGateway("barrier-b");
      String statusTopic = pipeline.topic("STATUS_TOPIC");
      try (KafkaProducer<String, byte[]> slow = new KafkaProducer<>(Map.of(
              ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
              ProducerConfig.TRANSACTIONAL_ID_CONFIG, pipeline.prefix + "slow-writer"),
          new StringSerializer(), new ByteArraySerializer())) {
        slow.initTransactions();
        slow.beginTransaction();
        for (int partition = 0; partition < 4; partition++) {
          // An open transaction on every partition: the last stable offsets stop here.
          slow.send(new ProducerRecord<>(statusTopic, partition, "open-transaction", new byte[0])).get(10, TimeUnit.SECONDS);
        }

        ManagedChannel toA = NettyChannelBuilder.forAddress("127.0.0.1", accepting.port()).usePlaintext().build();
        ManagedChannel toB = NettyChannelBuilder.forAddress("127.0.0.1", asked.port()).usePlaintext().build();
        try {
          String jobId = new PipelineClient(toA, 60).submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null).jobId();
          // B cannot read the Pending until the open transaction ends; it ends a second from now.
          CompletableFuture<Void> ending = CompletableFuture.runAsync(slow::abortTransaction,
              CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
          JobUpdate seen = new PipelineClient(toB, 60).monitor(jobId);
          assertThat(seen.status()).isEqualTo(statusenum.Pending);
          ending.get(10, TimeUnit.SECONDS);
        } finally {
          toA.shutdownNow();
          toB.shutdownNow();
        }
      }
    }
  }
}
