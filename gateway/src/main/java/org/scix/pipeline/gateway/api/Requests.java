package org.scix.pipeline.gateway.api;

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

  /** For error messages: never echo a megabyte of client input. */
  static String abbreviate(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...(" + value.length() + " chars)";
  }
}
