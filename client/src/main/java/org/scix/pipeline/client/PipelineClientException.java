package org.scix.pipeline.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A call to the gateway failed; subclasses say how, {@link #status()} carries the gRPC status. */
public class PipelineClientException extends RuntimeException {
  private final Status status;

  PipelineClientException(String message, Status status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public Status status() {
    return status;
  }

  /** The gateway rejected the request as malformed or invalid (INVALID_ARGUMENT). */
  public static final class InvalidRequest extends PipelineClientException {
    InvalidRequest(String message, Status status, Throwable cause) {
      super(message, status, cause);
    }
  }

  /** No such job (NOT_FOUND). */
  public static final class JobNotFound extends PipelineClientException {
    JobNotFound(String message, Status status, Throwable cause) {
      super(message, status, cause);
    }
  }

  /** The gateway or Kafka behind it is unavailable, or the deadline passed; safe to retry with an idempotency key. */
  public static final class Unavailable extends PipelineClientException {
    Unavailable(String message, Status status, Throwable cause) {
      super(message, status, cause);
    }
  }

  static PipelineClientException from(StatusRuntimeException e) {
    Status status = e.getStatus();
    String message = status.getCode() + ": " + status.getDescription();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new InvalidRequest(message, status, e);
      case NOT_FOUND -> new JobNotFound(message, status, e);
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> new Unavailable(message, status, e);
      default -> new PipelineClientException(message, status, e);
    };
  }
}
