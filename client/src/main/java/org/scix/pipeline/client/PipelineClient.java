package org.scix.pipeline.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * A Java client of the gateway, speaking the original protocol (schemaless Avro over gRPC):
 * submit a job, follow it, monitor it. gRPC failures surface as {@link PipelineClientException}s.
 * Thread-safe; one instance per gateway address is enough.
 */
public final class PipelineClient implements AutoCloseable {
  private static final MethodDescriptor<TemplateInput, TemplateInput> INIT;
  private static final MethodDescriptor<TemplateInput, TemplateInput> MONITOR;
  private static final MethodDescriptor<TemplateInput, TemplateInput> CANCEL;

  static {
    AvroMarshaller<TemplateInput> marshaller = new AvroMarshaller<>(SchemalessAvroCodec.of(TemplateInput.class));
    INIT = TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, marshaller, marshaller);
    MONITOR = TemplateApi.serverStreaming(TemplateApi.MONITOR_METHOD, marshaller, marshaller);
    CANCEL = TemplateApi.unary(TemplateApi.CANCEL_METHOD, marshaller, marshaller);
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
    return first(call(INIT, initRequest(request, false), idempotencyKey, runAt));
  }

  /** Submits a job and calls {@code onUpdate} with each status until a terminal one; returns that. */
  public JobUpdate submitAndFollow(JobRequest request, String idempotencyKey, Consumer<JobUpdate> onUpdate) {
    return followAll(call(INIT, initRequest(request, true), idempotencyKey, null), onUpdate);
  }

  /** The job's current status. */
  public JobUpdate monitor(String jobId) {
    return first(call(MONITOR, monitorRequest(jobId, false), null, null));
  }

  /** Calls {@code onUpdate} with the job's current status and each change until a terminal one; returns that. */
  public JobUpdate follow(String jobId, Consumer<JobUpdate> onUpdate) {
    return followAll(call(MONITOR, monitorRequest(jobId, true), null, null), onUpdate);
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

  private Iterator<TemplateInput> call(MethodDescriptor<TemplateInput, TemplateInput> method, TemplateInput request,
      String idempotencyKey, Instant runAt) {
    Channel target = channel;
    if (idempotencyKey != null || runAt != null) {
      Metadata headers = new Metadata();
      if (idempotencyKey != null) {
        headers.put(Metadata.Key.of(TemplateApi.IDEMPOTENCY_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), idempotencyKey);
      }
      if (runAt != null) {
        headers.put(Metadata.Key.of(TemplateApi.RUN_AT_HEADER, Metadata.ASCII_STRING_MARSHALLER), runAt.toString());
      }
      target = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
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
    JobUpdate last = null;
    try {
      while (answers.hasNext()) {
        TemplateInput answer = answers.next();
        last = new JobUpdate(answer.getHash(), answer.getStatus());
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
