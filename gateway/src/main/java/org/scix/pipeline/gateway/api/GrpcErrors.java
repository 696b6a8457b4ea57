package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.scix.pipeline.gateway.errors.ConflictException;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.errors.NotReadyException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.submit.JobTooLargeException;
import org.scix.pipeline.gateway.submit.SubmissionFailedException;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The one place that maps what went wrong inside the gateway to the gRPC status a caller sees,
 * and logs it at a level chosen per case: a caller's mistake at DEBUG, Kafka trouble at INFO or
 * WARN, our own bugs at ERROR with a reference id the caller also gets (never UNKNOWN).
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
      return logged(Level.DEBUG, Status.INVALID_ARGUMENT.withDescription("malformed TemplateInput: " + e.getMessage()));
    }
    if (e instanceof InvalidRequestException) {
      return logged(Level.DEBUG, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
    if (e instanceof NotFoundException) {
      return logged(Level.DEBUG, Status.NOT_FOUND.withDescription(e.getMessage()));
    }
    if (e instanceof ConflictException) {
      return logged(Level.DEBUG, Status.FAILED_PRECONDITION.withDescription(e.getMessage()));
    }
    if (e instanceof JobTooLargeException) {
      return logged(Level.INFO, Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()));
    }
    if (e instanceof SubmissionFailedException failed) {
      // Not accepted: nothing was written, a retry is safe. Outcome unknown: the job may exist,
      // so the answer must not invite a blind retry; it names the job to Monitor.
      return failed.outcomeKnown()
          ? logged(Level.INFO, Status.UNAVAILABLE.withDescription(e.getMessage()))
          : logged(Level.WARN, Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()));
    }
    if (e instanceof OperationTimeoutException || e instanceof NotReadyException) {
      return logged(Level.INFO, Status.UNAVAILABLE.withDescription(e.getMessage()));
    }
    String reference = UUID.randomUUID().toString();
    log.error("internal error (ref {})", reference, e);
    return Status.INTERNAL.withDescription("internal error, reference " + reference).asRuntimeException();
  }

  private static StatusRuntimeException logged(Level level, Status status) {
    log.atLevel(level).log("answering {}: {}", status.getCode(), status.getDescription());
    return status.asRuntimeException();
  }
}
