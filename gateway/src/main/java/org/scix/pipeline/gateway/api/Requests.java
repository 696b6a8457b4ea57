package org.scix.pipeline.gateway.api;

import org.scix.pipeline.gateway.api.GrpcErrors.InvalidRequestException;
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

  /** The job as it goes to Kafka and back to the caller: hash set, Pending, id and persistence null. */
  static TemplateInput job(TemplateInput request, String jobId) {
    TemplateInput job = TemplateInput.newBuilder(request).setHash(jobId).setId(null).setStatus(statusenum.Pending).build();
    job.getTaskArgs().setPersistence(null);
    return job;
  }

  /** For error messages: never echo a megabyte of client input. */
  static String abbreviate(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...(" + value.length() + " chars)";
  }
}
