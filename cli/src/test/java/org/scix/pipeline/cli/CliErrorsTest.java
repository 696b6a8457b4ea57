package org.scix.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.localstack.Ports;

class CliErrorsTest {
  @Test
  void submitWithNoGatewayNamesWhereItLookedAndWhatToDoWithItsOwnExitCode() {
    String target = "127.0.0.1:" + Ports.free();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = PipelineCli.execute("submit", "--task", "SYMBOL1", "--target", target);
    } finally {
      System.setErr(err);
    }
    assertThat(exit).isEqualTo(CliErrors.GATEWAY_UNREACHABLE);
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("cannot reach the gateway at " + target).contains("./pipeline up");
  }

  @Test
  void kafkaNotAnsweringIsNamedWithTheSettingToCheck() {
    CliErrors.Explained explained = CliErrors.explain(new TimeoutException("Timeout expired while fetching topic metadata"));
    assertThat(explained.exitCode()).isEqualTo(CliErrors.KAFKA_UNREACHABLE);
    assertThat(explained.message()).contains("cannot reach Kafka at").contains("KAFKA_BOOTSTRAP_SERVERS");
  }

  @Test
  void benchRefusesAStatusViewOfNoJobsBeforeStartingAnything() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = PipelineCli.execute("bench", "--only", "status-view", "--status-view-jobs", "0");
    } finally {
      System.setErr(err);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--status-view-jobs must be at least 1");
  }
}
