package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.gateway.submit.KafkaUnavailableException;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that maps what went wrong inside the gateway to the gRPC status a caller sees.
 * Unexpected failures become INTERNAL with a reference id that is also in the log, never UNKNOWN.
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof InvalidAvroException) {
      return Status.INVALID_ARGUMENT.withDescription("malformed TemplateInput: " + e.getMessage()).asRuntimeException();
    }
    if (e instanceof InvalidRequestException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof JobNotFoundException) {
      return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof KafkaUnavailableException) {
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof TimeoutException) {
      return Status.UNAVAILABLE.withDescription("Kafka did not acknowledge the job in time; it was not accepted")
          .asRuntimeException();
    }
    if (e instanceof NotReadyException) {
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    }
    String reference = UUID.randomUUID().toString();
    log.error("internal error (ref {})", reference, e);
    return Status.INTERNAL.withDescription("internal error, reference " + reference).asRuntimeException();
  }

  /** The request is well-formed Avro but not a valid call (wrong task, missing field). */
  public static final class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
      super(message);
    }
  }

  public static final class JobNotFoundException extends RuntimeException {
    public JobNotFoundException(String jobId) {
      super("no job with id '" + jobId + "'");
    }
  }

  /** The gateway cannot answer yet (status view still catching up). */
  public static final class NotReadyException extends RuntimeException {
    public NotReadyException(String message) {
      super(message);
    }
  }
}
