package org.scix.pipeline.cli;

import io.grpc.Status;
import java.net.ConnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.config.ConfigException;

/** What a failed command prints and exits with: what it could not reach, where, and the likely fix. */
final class CliErrors {
  static final int FAILED = 1;
  static final int BAD_CONFIG = 2;
  static final int GATEWAY_UNREACHABLE = 3;
  static final int KAFKA_UNREACHABLE = 4;
  /** The gateway answered with an error (NOT_FOUND, INVALID_ARGUMENT, ...). */
  static final int GATEWAY_REFUSED = 5;

  private CliErrors() {}

  record Explained(String message, int exitCode) {}

  static Explained explain(Throwable e) {
    return explain(e, System.getenv().getOrDefault("GATEWAY_TARGET", "localhost:50051"));
  }

  /** @param gatewayTarget where the command looked for the gateway */
  static Explained explain(Throwable e, String gatewayTarget) {
    if (e instanceof ConfigException) {
      return new Explained(e.getMessage(), BAD_CONFIG);
    }
    if (e instanceof PipelineClientException client && client.status().getCode() == Status.Code.UNAVAILABLE
        && isConnectionFailure(client)) {
      return new Explained("cannot reach the gateway at " + gatewayTarget + " (" + client.getMessage() + "): is `./pipeline up` running? Point --target or GATEWAY_TARGET at a gateway", GATEWAY_UNREACHABLE);
    }
    if (e instanceof TimeoutException) {
      return new Explained("cannot reach Kafka at " + System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092") + " within "
          + KafkaTarget.REACH_TIMEOUT.toSeconds() + " s (" + e.getMessage() + "): is `./pipeline up` running? Set KAFKA_BOOTSTRAP_SERVERS",
          KAFKA_UNREACHABLE);
    }
    if (e instanceof PipelineClientException) {
      return new Explained(e.getMessage(), GATEWAY_REFUSED);
    }
    return new Explained(e.getMessage() == null ? e.toString() : e.getMessage(), FAILED);
  }

  private static boolean isConnectionFailure(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || String.valueOf(cause.getMessage()).contains("io exception")) {
        return true;
      }
    }
    return false;
  }
}
