package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.api.GrpcErrors.JobNotFoundException;
import org.scix.pipeline.gateway.api.GrpcErrors.NotReadyException;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * initTemplate and monitorTemplate. Requests arrive as raw bytes and are decoded here, so a
 * malformed message is answered INVALID_ARGUMENT (a throwing request marshaller would surface as
 * UNKNOWN). Every failure goes through {@link GrpcErrors}.
 */
public final class TemplateHandlers {
  private static final Logger log = LoggerFactory.getLogger(TemplateHandlers.class);

  private final SchemalessAvroCodec<TemplateInput> codec;
  private final JobSubmitter submitter;
  private final StatusView view;
  private final BooleanSupplier viewCaughtUp;
  private final Duration submitTimeout;
  private final Set<StatusStream> openStreams = ConcurrentHashMap.newKeySet();

  public TemplateHandlers(SchemalessAvroCodec<TemplateInput> codec, JobSubmitter submitter, StatusView view,
      BooleanSupplier viewCaughtUp, Duration submitTimeout) {
    this.codec = codec;
    this.submitter = submitter;
    this.view = view;
    this.viewCaughtUp = viewCaughtUp;
    this.submitTimeout = submitTimeout;
  }

  public int openStreams() {
    return openStreams.size();
  }

  public void initTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    try {
      TemplateInput request = codec.decode(raw);
      Requests.validateInit(request);
      boolean persistent = Requests.persistent(request);
      String idempotencyKey = CallMetadata.IDEMPOTENCY_KEY.get();
      String jobId = idempotencyKey == null ? JobIds.random() : JobIds.forIdempotencyKey(idempotencyKey);
      TemplateInput job = Requests.job(request, jobId);
      Function<JobState, byte[]> render = renderer(job);
      StatusStream stream = persistent ? track(new StatusStream(call, jobId, JobState.Pending, render, openStreams::remove)) : null;
      if (!persistent) {
        call.setOnCancelHandler(() -> { });
      }

      Optional<JobState> existing = idempotencyKey == null ? Optional.empty() : view.status(jobId);
      if (existing.isPresent()) {
        // A repeat of a submission Kafka already has: same job id, nothing enqueued.
        log.info("job {} resubmitted with the same idempotency key; not enqueued again", jobId);
        answerExisting(call, stream, render, existing.get(), persistent);
        return;
      }
      submitter.submit(jobId, job, CallMetadata.TRACEPARENT.get())
          .orTimeout(submitTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((ok, error) -> {
            if (error != null) {
              fail(call, stream, error);
              return;
            }
            try {
              call.onNext(render.apply(JobState.Pending));
              if (stream == null) {
                call.onCompleted();
              } else {
                stream.follow(view);
              }
            } catch (RuntimeException cancelled) {
              log.debug("caller of job {} went away before the Pending answer: {}", jobId, cancelled.toString());
            }
          });
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  public void monitorTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    try {
      TemplateInput request = codec.decode(raw);
      Function<JobState, byte[]> render = renderer(request);
      if (request.getHash() == null) {
        // PROTOCOL.md: no hash, one answer with status Error.
        call.onNext(render.apply(JobState.Error));
        call.onCompleted();
        return;
      }
      if (!viewCaughtUp.getAsBoolean()) {
        throw new NotReadyException("the gateway is still reading the status topic; retry shortly");
      }
      String jobId = request.getHash();
      JobState current = view.status(jobId).orElseThrow(() -> new JobNotFoundException(Requests.abbreviate(jobId)));
      if (!Requests.persistent(request) || JobStates.isTerminal(current)) {
        call.onNext(render.apply(current));
        call.onCompleted();
        return;
      }
      StatusStream stream = track(new StatusStream(call, jobId, current, render, openStreams::remove));
      call.onNext(render.apply(current));
      stream.follow(view);
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  /** Ends every open stream with UNAVAILABLE so clients reconnect elsewhere (shutdown). */
  public void closeOpenStreams() {
    for (StatusStream stream : java.util.List.copyOf(openStreams)) {
      stream.abort(Status.UNAVAILABLE.withDescription("gateway shutting down; monitor the job again"));
    }
  }

  private void answerExisting(ServerCallStreamObserver<byte[]> call, StatusStream stream,
      Function<JobState, byte[]> render, JobState current, boolean persistent) {
    if (!persistent || stream == null) {
      call.onNext(render.apply(current));
      call.onCompleted();
    } else {
      call.onNext(render.apply(JobState.Pending));
      stream.follow(view); // delivers the current status next, if it is past Pending
    }
  }

  private StatusStream track(StatusStream stream) {
    openStreams.add(stream);
    return stream;
  }

  private void fail(ServerCallStreamObserver<byte[]> call, StatusStream stream, Throwable error) {
    if (stream != null) {
      openStreams.remove(stream);
    }
    try {
      call.onError(GrpcErrors.toStatus(error));
    } catch (RuntimeException alreadyClosed) {
      log.debug("call already closed: {}", alreadyClosed.toString());
    }
  }

  private Function<JobState, byte[]> renderer(TemplateInput template) {
    return state -> {
      TemplateInput answer = TemplateInput.newBuilder(template).setStatus(statusenum.valueOf(state.name())).build();
      return codec.encode(answer);
    };
  }
}
