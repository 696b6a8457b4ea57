package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.GrpcServerSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.TaskSettings;

/** The gateway over TLS and mutual TLS, with certificates made at test time. */
@ExtendWith(KafkaStackExtension.class)
class TlsIT {
  private static final JobRequest JOB = new JobRequest(taskenum.SYMBOL3, null, null, null);

  @Test
  void theGatewayServesOverTlsAndRefusesPlaintext(KafkaStack stack, @TempDir Path dir) throws Exception {
    TestCertificates.Issued server = new TestCertificates().issue(dir, "gateway");
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.putAll(Map.of(GrpcServerSettings.TLS_CERT, server.cert().toString(), GrpcServerSettings.TLS_KEY, server.key().toString()));
      pipeline.startWorker("tls-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      Gateway gateway = pipeline.startGateway("tls-gw");

      ManagedChannel tls = channel(gateway, TlsChannelCredentials.newBuilder().trustManager(server.ca().toFile()).build());
      ManagedChannel plain = channel(gateway, InsecureChannelCredentials.create());
      try {
        assertThat(new PipelineClient(tls, 30).submitAndFollow(JOB, null, u -> { }).status()).isEqualTo(statusenum.Success);
        assertThatThrownBy(() -> new PipelineClient(plain, 30).submit(JOB, null))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        tls.shutdownNow();
        plain.shutdownNow();
      }
    }
  }

  @Test
  void withAClientCaOnlyClientsWithACertificateFromItGetIn(KafkaStack stack, @TempDir Path dir) throws Exception {
    TestCertificates certificates = new TestCertificates();
    TestCertificates.Issued server = certificates.issue(dir.resolve("server"), "gateway");
    TestCertificates.Issued client = certificates.issue(dir.resolve("client"), "frontend");
    TestCertificates.Issued stranger = new TestCertificates().issue(dir.resolve("stranger"), "stranger");
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.putAll(Map.of(GrpcServerSettings.TLS_CERT, server.cert().toString(), GrpcServerSettings.TLS_KEY, server.key().toString(),
          GrpcServerSettings.TLS_CLIENT_CA, client.ca().toString()));
      pipeline.startWorker("mtls-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));
      Gateway gateway = pipeline.startGateway("mtls-gw");

      ManagedChannel trusted = channel(gateway, TlsChannelCredentials.newBuilder().trustManager(server.ca().toFile())
          .keyManager(client.cert().toFile(), client.key().toFile()).build());
      ManagedChannel anonymous = channel(gateway, TlsChannelCredentials.newBuilder().trustManager(server.ca().toFile()).build());
      ManagedChannel untrusted = channel(gateway, TlsChannelCredentials.newBuilder().trustManager(server.ca().toFile())
          .keyManager(stranger.cert().toFile(), stranger.key().toFile()).build());
      try {
        assertThat(new PipelineClient(trusted, 30).submitAndFollow(JOB, null, u -> { }).status()).isEqualTo(statusenum.Success);
        for (ManagedChannel refused : new ManagedChannel[] {anonymous, untrusted}) {
          assertThatThrownBy(() -> new PipelineClient(refused, 30).submit(JOB, null))
              .isInstanceOfSatisfying(PipelineClientException.class, e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
      } finally {
        trusted.shutdownNow();
        anonymous.shutdownNow();
        untrusted.shutdownNow();
      }
    }
  }

  private static ManagedChannel channel(Gateway gateway, ChannelCredentials credentials) {
    return Grpc.newChannelBuilderForAddress("localhost", gateway.port(), credentials).build();
  }
}
