package org.scix.pipeline.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchQuery;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.jobs.JobOutputs;
import org.scix.pipeline.schemas.jobs.JobRef;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.schedule.ScheduleDefinition;
import org.scix.pipeline.schemas.schedule.ScheduleInfo;
import org.scix.pipeline.schemas.schedule.ScheduleList;
import org.scix.pipeline.schemas.schedule.ScheduleName;
import org.scix.pipeline.schemas.tasks.TaskControl;
import org.scix.pipeline.schemas.tasks.TaskInfo;
import org.scix.pipeline.schemas.tasks.TaskLimit;
import org.scix.pipeline.schemas.tasks.TaskList;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * A Java client of the gateway, speaking the original protocol (schemaless Avro over gRPC):
 * submit a job, follow it, monitor it; and of the Batches, Schedules and Tasks services this project adds. gRPC failures surface as {@link PipelineClientException}s.
 * Thread-safe; one instance per gateway address is enough.
 */
public final class PipelineClient implements AutoCloseable {
  private static final MethodDescriptor<TemplateInput, TemplateInput> INIT;
  private static final MethodDescriptor<TemplateInput, TemplateInput> MONITOR;
  private static final MethodDescriptor<TemplateInput, TemplateInput> CANCEL;
  private static final MethodDescriptor<TemplateInput, ProgressUpdate> MONITOR_WITH_PROGRESS;
  private static final MethodDescriptor<BatchRequest, BatchSummary> SUBMIT_BATCH;
  private static final MethodDescriptor<BatchQuery, BatchSummary> BATCH_STATUS;
  private static final MethodDescriptor<BatchQuery, BatchJobsPage> BATCH_JOBS;
  private static final MethodDescriptor<BatchQuery, BatchSummary> CANCEL_BATCH;
  private static final MethodDescriptor<JobRef, JobOutputs> JOB_OUTPUTS;
  private static final MethodDescriptor<ScheduleName, ScheduleList> LIST_SCHEDULES;
  private static final MethodDescriptor<ScheduleDefinition, ScheduleInfo> CREATE_SCHEDULE;
  private static final MethodDescriptor<ScheduleName, ScheduleInfo> PAUSE_SCHEDULE;
  private static final MethodDescriptor<ScheduleName, ScheduleInfo> RESUME_SCHEDULE;
  private static final MethodDescriptor<ScheduleName, ScheduleInfo> DELETE_SCHEDULE;
  private static final MethodDescriptor<TaskControl, TaskList> LIST_TASKS;
  private static final MethodDescriptor<TaskControl, TaskInfo> PAUSE_TASK;
  private static final MethodDescriptor<TaskControl, TaskInfo> RESUME_TASK;
  private static final MethodDescriptor<TaskLimit, TaskInfo> LIMIT_TASK;

  static {
    AvroMarshaller<BatchQuery> query = new AvroMarshaller<>(SchemalessAvroCodec.of(BatchQuery.class));
    AvroMarshaller<BatchSummary> summary = new AvroMarshaller<>(SchemalessAvroCodec.of(BatchSummary.class));
    SUBMIT_BATCH = TemplateApi.clientStreaming(TemplateApi.SUBMIT_BATCH_METHOD,
        new AvroMarshaller<>(SchemalessAvroCodec.of(BatchRequest.class)), summary);
    BATCH_STATUS = TemplateApi.unary(TemplateApi.BATCH_STATUS_METHOD, query, summary);
    BATCH_JOBS = TemplateApi.unary(TemplateApi.BATCH_JOBS_METHOD, query, new AvroMarshaller<>(SchemalessAvroCodec.of(BatchJobsPage.class)));
    CANCEL_BATCH = TemplateApi.unary(TemplateApi.CANCEL_BATCH_METHOD, query, summary);
    AvroMarshaller<ScheduleName> name = new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleName.class));
    AvroMarshaller<ScheduleInfo> info = new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleInfo.class));
    LIST_SCHEDULES = TemplateApi.unary(TemplateApi.LIST_SCHEDULES_METHOD, name,
        new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleList.class)));
    CREATE_SCHEDULE = TemplateApi.unary(TemplateApi.CREATE_SCHEDULE_METHOD,
        new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleDefinition.class)), info);
    PAUSE_SCHEDULE = TemplateApi.unary(TemplateApi.PAUSE_SCHEDULE_METHOD, name, info);
    RESUME_SCHEDULE = TemplateApi.unary(TemplateApi.RESUME_SCHEDULE_METHOD, name, info);
    DELETE_SCHEDULE = TemplateApi.unary(TemplateApi.DELETE_SCHEDULE_METHOD, name, info);
    AvroMarshaller<TaskControl> control = new AvroMarshaller<>(SchemalessAvroCodec.of(TaskControl.class));
    AvroMarshaller<TaskInfo> task = new AvroMarshaller<>(SchemalessAvroCodec.of(TaskInfo.class));
    LIST_TASKS = TemplateApi.unary(TemplateApi.LIST_TASKS_METHOD, control, new AvroMarshaller<>(SchemalessAvroCodec.of(TaskList.class)));
    PAUSE_TASK = TemplateApi.unary(TemplateApi.PAUSE_TASK_METHOD, control, task);
    RESUME_TASK = TemplateApi.unary(TemplateApi.RESUME_TASK_METHOD, control, task);
    LIMIT_TASK = TemplateApi.unary(TemplateApi.LIMIT_TASK_METHOD, new AvroMarshaller<>(SchemalessAvroCodec.of(TaskLimit.class)), task);
    JOB_OUTPUTS = TemplateApi.unary(TemplateApi.JOB_OUTPUTS_METHOD, new AvroMarshaller<>(SchemalessAvroCodec.of(JobRef.class)),
        new AvroMarshaller<>(SchemalessAvroCodec.of(JobOutputs.class)));
  }

  static {
    AvroMarshaller<TemplateInput> marshaller = new AvroMarshaller<>(SchemalessAvroCodec.of(TemplateInput.class));
    INIT = TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, marshaller, marshaller);
    MONITOR = TemplateApi.serverStreaming(TemplateApi.MONITOR_METHOD, marshaller, marshaller);
    CANCEL = TemplateApi.unary(TemplateApi.CANCEL_METHOD, marshaller, marshaller);
    MONITOR_WITH_PROGRESS = TemplateApi.serverStreaming(TemplateApi.MONITOR_METHOD, marshaller, new ProgressUpdate.Marshaller());
  }

  private final Channel channel;
  private final ManagedChannel owned;
  private final long deadlineSeconds;

  /** Uses {@code channel} (TLS, interceptors... are the caller's business); closing the client leaves it open. */
  public PipelineClient(Channel channel, long deadlineSeconds) {
    this.channel = channel;
    this.owned = null;
    this.deadlineSeconds = deadlineSeconds;
  }

  /** Plaintext connection to {@code host:port}. */
  public static PipelineClient connect(String target) {
    return new PipelineClient(NettyChannelBuilder.forTarget(target).usePlaintext().build());
  }

  private PipelineClient(ManagedChannel channel) {
    this.channel = channel;
    this.owned = channel;
    this.deadlineSeconds = 0;
  }

  /** Submits a job and returns its Pending answer (the job id). */
  public JobUpdate submit(JobRequest request, String idempotencyKey) {
    return submit(request, idempotencyKey, null);
  }

  /**
   * Submits a job to run at {@code runAt} (null: at once) and returns its Pending answer. It
   * stays Pending until then; cancelling it before then means it never runs.
   */
  public JobUpdate submit(JobRequest request, String idempotencyKey, Instant runAt) {
    return submit(request, idempotencyKey, runAt, null);
  }

  /** {@link #submit(JobRequest, String, Instant)} with a priority: "interactive" (the default, null) or "bulk". */
  public JobUpdate submit(JobRequest request, String idempotencyKey, Instant runAt, String priority) {
    return first(call(INIT, initRequest(request, false), headers(idempotencyKey, runAt, priority)));
  }

  /**
   * Submits a batch, all of it or nothing: {@code first} says what every job runs (and may give a
   * split range and dateranges); each list {@code more} yields is one more message of dateranges,
   * streamed as the gateway takes them. Returns the batch id with its jobs, all Pending.
   */
  public BatchSummary submitBatch(BatchRequest first, Iterator<List<String>> more) {
    return submitBatch(first, more, null);
  }

  /**
   * {@link #submitBatch(BatchRequest, Iterator)} with an idempotency key (null: none): a retry with
   * the same key within the gateway's idempotency window answers the batch the first call made
   * (its counts now) and submits nothing again, so a call that failed in transit is safe to repeat.
   */
  public BatchSummary submitBatch(BatchRequest first, Iterator<List<String>> more, String idempotencyKey) {
    CompletableFuture<BatchSummary> answer = new CompletableFuture<>();
    Metadata headers = headers(idempotencyKey, null, null);
    Channel target = headers == null ? channel : ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    ClientCall<BatchRequest, BatchSummary> call = target.newCall(SUBMIT_BATCH, options());
    StreamObserver<BatchRequest> requests = ClientCalls.asyncClientStreamingCall(call, new StreamObserver<>() {
      @Override
      public void onNext(BatchSummary value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.completeExceptionally(new PipelineClientException("gateway answered nothing", Status.INTERNAL, null));
      }
    });
    try {
      requests.onNext(first);
      while (more.hasNext() && !answer.isDone()) {
        requests.onNext(BatchRequest.newBuilder().setDateranges(more.next()).build());
      }
      requests.onCompleted();
    } catch (RuntimeException e) {
      requests.onError(e);
      throw e;
    }
    try {
      return answer.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        throw PipelineClientException.from(sre);
      }
      throw new PipelineClientException(e.getCause().toString(), Status.INTERNAL, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel("interrupted", e);
      throw new PipelineClientException("interrupted", Status.CANCELLED, e);
    }
  }

  /** A batch's jobs counted by status. */
  public BatchSummary batchStatus(String batchId) {
    return unary(BATCH_STATUS, BatchQuery.newBuilder().setBatchId(batchId).build());
  }

  /** A page of a batch's jobs (after {@code after}, a job id from the previous page, or null), at most {@code limit}. */
  public BatchJobsPage batchJobs(String batchId, String after, int limit) {
    return unary(BATCH_JOBS, BatchQuery.newBuilder().setBatchId(batchId).setAfter(after).setLimit(limit).build());
  }

  /** Asks every unfinished job of a batch to stop. */
  public BatchSummary cancelBatch(String batchId) {
    return unary(CANCEL_BATCH, BatchQuery.newBuilder().setBatchId(batchId).build());
  }

  /**
   * A job's outputs, read where its Success says they are (no scan): {@code outputs()} holds each as
   * schemaless Avro of TemplateOutput ({@link #decodeOutputs}); {@code missing()} says why any are not there.
   */
  public JobOutputs jobOutputs(String jobId) {
    return unary(JOB_OUTPUTS, new JobRef(jobId));
  }

  /** The outputs of a {@link #jobOutputs} answer, decoded, in the order the task emitted them. */
  public static List<TemplateOutput> decodeOutputs(JobOutputs answer) {
    SchemalessAvroCodec<TemplateOutput> codec = SchemalessAvroCodec.of(TemplateOutput.class);
    return answer.getOutputs().stream().map(bytes -> {
      byte[] raw = new byte[bytes.remaining()];
      bytes.duplicate().get(raw);
      return codec.decode(raw);
    }).toList();
  }

  /** Every schedule, with its last and next tick. */
  public List<ScheduleInfo> listSchedules() {
    return unary(LIST_SCHEDULES, new ScheduleName("")).getSchedules();
  }

  /** Creates (or replaces) a schedule; its fields and rules are the JSON API's. */
  public ScheduleInfo createSchedule(ScheduleDefinition definition) {
    return unary(CREATE_SCHEDULE, definition);
  }

  public ScheduleInfo pauseSchedule(String name) {
    return unary(PAUSE_SCHEDULE, new ScheduleName(name));
  }

  public ScheduleInfo resumeSchedule(String name) {
    return unary(RESUME_SCHEDULE, new ScheduleName(name));
  }

  public ScheduleInfo deleteSchedule(String name) {
    return unary(DELETE_SCHEDULE, new ScheduleName(name));
  }

  /** Every task, and whether it is paused. */
  public List<TaskInfo> listTasks() {
    return unary(LIST_TASKS, new TaskControl("", null)).getTasks();
  }

  /** Pauses {@code task}: workers start no new job of it (its jobs wait) until it is resumed; {@code by} is logged and shown. */
  public TaskInfo pauseTask(String task, String by) {
    return unary(PAUSE_TASK, new TaskControl(task, by));
  }

  public TaskInfo resumeTask(String task, String by) {
    return unary(RESUME_TASK, new TaskControl(task, by));
  }

  /** Sets {@code task}'s concurrency limit: at most that many of its jobs run at once on each worker ({@code null}: no limit). */
  public TaskInfo limitTask(String task, Integer concurrency, String by) {
    return unary(LIMIT_TASK, new TaskLimit(task, concurrency, by));
  }

  private <Q, R> R unary(MethodDescriptor<Q, R> method, Q request) {
    try {
      return ClientCalls.blockingUnaryCall(channel, method, options(), request);
    } catch (StatusRuntimeException e) {
      throw PipelineClientException.from(e);
    }
  }

  /** Submits a job and calls {@code onUpdate} with each status until a terminal one; returns that. */
  public JobUpdate submitAndFollow(JobRequest request, String idempotencyKey, Consumer<JobUpdate> onUpdate) {
    return followAll(call(INIT, initRequest(request, true), headers(idempotencyKey, null, null)), onUpdate);
  }

  /** The job's current status. */
  public JobUpdate monitor(String jobId) {
    return first(call(MONITOR, monitorRequest(jobId, false), null));
  }

  /** Calls {@code onUpdate} with the job's current status and each change until a terminal one; returns that. */
  public JobUpdate follow(String jobId, Consumer<JobUpdate> onUpdate) {
    return followAll(call(MONITOR, monitorRequest(jobId, true), null), onUpdate);
  }

  /**
   * Follows a job like {@link #follow}, with its progress: each message also carries the job's
   * latest progress, and each new progress of the running job comes as a message of its own (the
   * metadata {@code progress: true}). Returns the terminal update.
   */
  public ProgressUpdate followWithProgress(String jobId, Consumer<ProgressUpdate> onUpdate) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(TemplateApi.PROGRESS_HEADER, Metadata.ASCII_STRING_MARSHALLER), "true");
    return followAll(call(MONITOR_WITH_PROGRESS, monitorRequest(jobId, true), headers), update -> update, onUpdate);
  }

  /**
   * Cancels a job that has not finished. Returns the job's status after the gateway waited for it
   * to end: Error (cancelled), the terminal status if it finished first, or Pending/Processing if
   * no worker acted on the cancel yet (it still will).
   */
  public JobUpdate cancel(String jobId) {
    try {
      TemplateInput answer = ClientCalls.blockingUnaryCall(channel, CANCEL, options(), monitorRequest(jobId, false));
      return new JobUpdate(answer.getHash(), answer.getStatus());
    } catch (StatusRuntimeException e) {
      throw PipelineClientException.from(e);
    }
  }

  private CallOptions options() {
    return deadlineSeconds > 0 ? CallOptions.DEFAULT.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS) : CallOptions.DEFAULT;
  }

  /** The Init metadata: null when there is none. */
  private static Metadata headers(String idempotencyKey, Instant runAt, String priority) {
    if (idempotencyKey == null && runAt == null && priority == null) {
      return null;
    }
    Metadata headers = new Metadata();
    if (idempotencyKey != null) {
      headers.put(Metadata.Key.of(TemplateApi.IDEMPOTENCY_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), idempotencyKey);
    }
    if (runAt != null) {
      headers.put(Metadata.Key.of(TemplateApi.RUN_AT_HEADER, Metadata.ASCII_STRING_MARSHALLER), runAt.toString());
    }
    if (priority != null) {
      headers.put(Metadata.Key.of(TemplateApi.PRIORITY_HEADER, Metadata.ASCII_STRING_MARSHALLER), priority);
    }
    return headers;
  }

  private <R> Iterator<R> call(MethodDescriptor<TemplateInput, R> method, TemplateInput request, Metadata headers) {
    Channel target = headers == null ? channel : ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    return ClientCalls.blockingServerStreamingCall(target, method, options(), request);
  }

  private static JobUpdate first(Iterator<TemplateInput> answers) {
    try {
      if (!answers.hasNext()) {
        throw new PipelineClientException("gateway answered nothing", Status.INTERNAL, null);
      }
      TemplateInput answer = answers.next();
      while (answers.hasNext()) {
        answers.next(); // drain to let the call complete
      }
      return new JobUpdate(answer.getHash(), answer.getStatus());
    } catch (StatusRuntimeException e) {
      throw PipelineClientException.from(e);
    }
  }

  private static JobUpdate followAll(Iterator<TemplateInput> answers, Consumer<JobUpdate> onUpdate) {
    return followAll(answers, answer -> new JobUpdate(answer.getHash(), answer.getStatus()), onUpdate);
  }

  /** Each answer of a stream, as {@code read} makes it, to {@code onUpdate}; the last one. */
  private static <A, U> U followAll(Iterator<A> answers, Function<A, U> read, Consumer<U> onUpdate) {
    U last = null;
    try {
      while (answers.hasNext()) {
        last = read.apply(answers.next());
        onUpdate.accept(last);
      }
    } catch (StatusRuntimeException e) {
      throw PipelineClientException.from(e);
    }
    if (last == null) {
      throw new PipelineClientException("gateway answered nothing", Status.INTERNAL, null);
    }
    return last;
  }

  static TemplateInput initRequest(JobRequest request, boolean persistence) {
    return TemplateInput.newBuilder().setHash(null).setId(null).setTask(request.task()).setStatus(null)
        .setTaskArgs(request.args(persistence)).build();
  }

  static TemplateInput monitorRequest(String jobId, boolean persistence) {
    return TemplateInput.newBuilder().setHash(jobId).setId(null).setTask(taskenum.MONITOR).setStatus(null)
        .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null)
            .setPersistence(persistence).build())
        .build();
  }

  @Override
  public void close() {
    if (owned != null) {
      owned.shutdown();
      try {
        if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
          owned.shutdownNow();
        }
      } catch (InterruptedException e) {
        owned.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
