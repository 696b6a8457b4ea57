package org.scix.pipeline.gateway.api;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.errors.ClientInput;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;

/** Shapes of requests and answers, per PROTOCOL.md. */
final class Requests {
  private Requests() {}

  static void validateInit(TemplateInput request) {
    if (request.getTask() == taskenum.MONITOR) {
      throw new InvalidRequestException("task MONITOR cannot be submitted; call monitorTemplate to follow a job");
    }
    if (request.getTaskArgs() == null) {
      throw new InvalidRequestException("task_args is required");
    }
  }

  /**
   * When a job asked to run at {@code runAt} is due: null to run it now (no time given). A time
   * up to a second past counts as now (clocks differ); further past, unparsable, or more than
   * {@code maxDelay} ahead is refused, naming the field.
   */
  static Instant dueTime(String runAt, Instant now, Duration maxDelay) {
    if (runAt == null) {
      return null;
    }
    Instant due;
    try {
      due = Instant.parse(runAt.trim());
    } catch (DateTimeParseException e) {
      throw new InvalidRequestException("run-at must be an ISO-8601 instant such as 2026-12-04T02:00:00Z, got '"
          + ClientInput.abbreviate(runAt) + "'");
    }
    if (due.isBefore(now.minusSeconds(1))) {
      throw new InvalidRequestException("run-at " + due + " is in the past (now " + now + "); leave it out to run the job at once");
    }
    if (due.isAfter(now.plus(maxDelay))) {
      throw new InvalidRequestException("run-at " + due + " is more than " + maxDelay.toDays() + " days ahead (DELAY_MAX_MS)");
    }
    return due.isBefore(now) ? now : due;
  }

  /** The priority metadata of an Init: interactive when absent. */
  static Priority priority(String header) {
    try {
      return Priority.parse(header, Priority.INTERACTIVE);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  static boolean persistent(TemplateInput request) {
    return request.getTaskArgs() != null && Boolean.TRUE.equals(request.getTaskArgs().getPersistence());
  }

  /** The job as it goes to Kafka and back to the caller: hash set, Pending, id and persistence null; {@code request} is left as it was. */
  static TemplateInput job(TemplateInput request, String jobId) {
    return intoJob(TemplateInput.newBuilder(request).build(), jobId);
  }

  /** {@link #job}, made of {@code request} itself (read what you need of the request first). */
  static TemplateInput intoJob(TemplateInput request, String jobId) {
    request.setHash(jobId);
    request.setId(null);
    request.setStatus(statusenum.Pending);
    request.getTaskArgs().setPersistence(null);
    return request;
  }
}
