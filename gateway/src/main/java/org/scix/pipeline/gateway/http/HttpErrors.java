package org.scix.pipeline.gateway.http;

import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.gateway.errors.ConflictException;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.errors.NotReadyException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.submit.JobTooLargeException;
import org.scix.pipeline.gateway.submit.SubmissionFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from the gateway's exceptions to HTTP answers, as {@code api.GrpcErrors} is for
 * gRPC: a caller's mistake 400/404/409/413, Kafka or the view not ready 503, an unknown outcome
 * 504 (the action may have happened: check before repeating it). Anything else is a bug: 500 with a
 * reference that is logged with the stack trace.
 */
public final class HttpErrors {
  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  /** A status and what to tell the caller. */
  public record Answer(int status, String message) {}

  private HttpErrors() {}

  public static Answer toAnswer(Throwable error) {
    Throwable e = error;
    while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof InvalidRequestException) {
      return new Answer(400, e.getMessage());
    }
    if (e instanceof NotFoundException) {
      return new Answer(404, e.getMessage());
    }
    if (e instanceof ConflictException) {
      return new Answer(409, e.getMessage());
    }
    if (e instanceof JobTooLargeException) {
      return new Answer(413, e.getMessage());
    }
    if (e instanceof NotReadyException || e instanceof OperationTimeoutException) {
      return new Answer(503, e.getMessage());
    }
    if (e instanceof SubmissionFailedException failed) {
      return new Answer(failed.outcomeKnown() ? 503 : 504, e.getMessage());
    }
    if (e instanceof TimeoutException) {
      return new Answer(504, "Kafka did not confirm in time; the action may still happen: check before repeating it");
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return new Answer(503, "the gateway is stopping");
    }
    String reference = UUID.randomUUID().toString();
    log.error("internal error answering an HTTP request (ref {})", reference, e);
    return new Answer(500, "internal error, reference " + reference);
  }
}
