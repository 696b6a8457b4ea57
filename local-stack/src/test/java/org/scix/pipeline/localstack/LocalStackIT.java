package org.scix.pipeline.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack's own lifecycle: ready, restartable broker, nothing left behind. */
class LocalStackIT {
  @Test
  void brokerRestartsOnItsPortsWithItsDataAndStopLeavesNoProcessOrPort(@TempDir Path dir) throws Exception {
    int brokerPort = Ports.free();
    LocalKafkaBroker broker = new LocalKafkaBroker(dir.resolve("kafka"), brokerPort);
    broker.start();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("survives-restart", 2, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
      broker.stop();
      assertThat(Ports.isListening(brokerPort)).isFalse();

      broker.start();
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("survives-restart");
    } finally {
      broker.stop();
    }
    assertThat(Ports.isListening(brokerPort)).isFalse();
  }
}
