package org.scix.pipeline.schemas.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;

/**
 * The gRPC method names of the original pipeline (package {@code templateaapi}, double a), plus
 * the cancel method this project adds. Method descriptors are built here so server and clients
 * agree on names and kinds; each side picks its marshallers.
 */
public final class TemplateApi {
  public static final String INIT_SERVICE = "templateaapi.TemplateInit";
  public static final String MONITOR_SERVICE = "templateaapi.TemplateMonitor";
  public static final String CANCEL_SERVICE = "templateaapi.TemplateCancel";

  public static final String INIT_METHOD = MethodDescriptor.generateFullMethodName(INIT_SERVICE, "initTemplate");
  public static final String MONITOR_METHOD = MethodDescriptor.generateFullMethodName(MONITOR_SERVICE, "monitorTemplate");
  public static final String CANCEL_METHOD = MethodDescriptor.generateFullMethodName(CANCEL_SERVICE, "cancelTemplate");

  /** gRPC metadata key a client may set so that a retried submission maps to the same job. */
  public static final String IDEMPOTENCY_KEY_HEADER = "idempotency-key";

  /** gRPC metadata key a client may set on Init to run the job later: an ISO-8601 instant, e.g. 2026-12-04T02:00:00Z. */
  public static final String RUN_AT_HEADER = "run-at";

  /** gRPC metadata key a client may set on Init: interactive (the default) or bulk. */
  public static final String PRIORITY_HEADER = "priority";
  /**
   * Metadata on monitorTemplate (or a following initTemplate): {@code true} asks for progress. Every
   * message of the call is then the TemplateInput encoding followed by one more field, the job's
   * latest progress ({@link TemplateApi#PROGRESS_FIELD_SCHEMA}), and a stream also carries each new
   * progress of the running job. Without it the messages are the seed schema's, byte for byte.
   */
  public static final String PROGRESS_HEADER = "progress";
  /** The field a progress call appends to each message: an Avro union, null or {done, total, message}. */
  public static final String PROGRESS_FIELD_SCHEMA = "{\"name\": \"progress\", \"type\": [\"null\", {\"type\": \"record\", "
      + "\"name\": \"JobProgress\", \"fields\": [{\"name\": \"done\", \"type\": \"long\"}, {\"name\": \"total\", \"type\": \"long\"}, "
      + "{\"name\": \"message\", \"type\": [\"null\", \"string\"], \"default\": null}]}], \"default\": null}";

  /** The service this project adds beside the original ones: batches of jobs. */
  public static final String BATCHES_SERVICE = "scix.pipeline.Batches";
  public static final String SUBMIT_BATCH_METHOD = MethodDescriptor.generateFullMethodName(BATCHES_SERVICE, "submitBatch");
  public static final String BATCH_STATUS_METHOD = MethodDescriptor.generateFullMethodName(BATCHES_SERVICE, "batchStatus");
  public static final String BATCH_JOBS_METHOD = MethodDescriptor.generateFullMethodName(BATCHES_SERVICE, "batchJobs");
  public static final String CANCEL_BATCH_METHOD = MethodDescriptor.generateFullMethodName(BATCHES_SERVICE, "cancelBatch");

  /** Schedules over gRPC, beside the JSON API. */
  public static final String SCHEDULES_SERVICE = "scix.pipeline.Schedules";
  public static final String LIST_SCHEDULES_METHOD = MethodDescriptor.generateFullMethodName(SCHEDULES_SERVICE, "listSchedules");
  public static final String CREATE_SCHEDULE_METHOD = MethodDescriptor.generateFullMethodName(SCHEDULES_SERVICE, "createSchedule");
  public static final String PAUSE_SCHEDULE_METHOD = MethodDescriptor.generateFullMethodName(SCHEDULES_SERVICE, "pauseSchedule");
  public static final String RESUME_SCHEDULE_METHOD = MethodDescriptor.generateFullMethodName(SCHEDULES_SERVICE, "resumeSchedule");
  public static final String DELETE_SCHEDULE_METHOD = MethodDescriptor.generateFullMethodName(SCHEDULES_SERVICE, "deleteSchedule");

  /** Pausing and resuming tasks (operator controls). */
  public static final String TASKS_SERVICE = "scix.pipeline.Tasks";
  public static final String LIST_TASKS_METHOD = MethodDescriptor.generateFullMethodName(TASKS_SERVICE, "listTasks");
  public static final String PAUSE_TASK_METHOD = MethodDescriptor.generateFullMethodName(TASKS_SERVICE, "pauseTask");
  public static final String RESUME_TASK_METHOD = MethodDescriptor.generateFullMethodName(TASKS_SERVICE, "resumeTask");
  public static final String LIMIT_TASK_METHOD = MethodDescriptor.generateFullMethodName(TASKS_SERVICE, "limitTask");

  /** A job's results by its id. */
  public static final String JOBS_SERVICE = "scix.pipeline.Jobs";
  public static final String JOB_OUTPUTS_METHOD = MethodDescriptor.generateFullMethodName(JOBS_SERVICE, "jobOutputs");

  private TemplateApi() {}

  /** cancelTemplate: one TemplateInput (hash = job id) in, one TemplateInput (the job's status) out. */
  public static <Q, R> MethodDescriptor<Q, R> unary(String fullName, Marshaller<Q> request, Marshaller<R> response) {
    return method(MethodDescriptor.MethodType.UNARY, fullName, request, response);
  }

  /** submitBatch: a stream of requests, one answer. */
  public static <Q, R> MethodDescriptor<Q, R> clientStreaming(String fullName, Marshaller<Q> request, Marshaller<R> response) {
    return method(MethodDescriptor.MethodType.CLIENT_STREAMING, fullName, request, response);
  }

  /** initTemplate and monitorTemplate: one request, a stream of answers. */
  public static <Q, R> MethodDescriptor<Q, R> serverStreaming(String fullName, Marshaller<Q> request, Marshaller<R> response) {
    return method(MethodDescriptor.MethodType.SERVER_STREAMING, fullName, request, response);
  }

  private static <Q, R> MethodDescriptor<Q, R> method(MethodDescriptor.MethodType type, String fullName, Marshaller<Q> request,
      Marshaller<R> response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(type)
        .setFullMethodName(fullName)
        .setRequestMarshaller(request)
        .setResponseMarshaller(response)
        .build();
  }
}
