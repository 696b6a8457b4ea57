package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.SpanKind;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.gateway.api.GrpcErrors.InvalidRequestException;
import org.scix.pipeline.gateway.api.GrpcErrors.JobNotFoundException;
import org.scix.pipeline.gateway.api.GrpcErrors.NotReadyException;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * initTemplate, monitorTemplate and cancelTemplate. Requests arrive as raw bytes and are decoded
 * here, so a malformed message is answered INVALID_ARGUMENT (a throwing request marshaller would
 * surface as UNKNOWN). Every failure goes through {@link GrpcErrors}. Nothing here blocks a gRPC
 * thread: Kafka and status-topic waits are futures.
 */
public final class TemplateHandlers {
  private static final Logger log = LoggerFactory.getLogger(TemplateHandlers.class);
  private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;

  private final SchemalessAvroCodec<TemplateInput> codec;
  private final JobSubmitter submitter;
  private final StatusView view;
  private final StatusViewSync viewSync;
  private final ApiSettings settings;
  private final Clock clock;
  private final Set<StatusStream> openStreams = ConcurrentHashMap.newKeySet();

  public TemplateHandlers(SchemalessAvroCodec<TemplateInput> codec, JobSubmitter submitter, StatusView view,
      StatusViewSync viewSync, ApiSettings settings, Clock clock) {
    this.codec = codec;
    this.submitter = submitter;
    this.view = view;
    this.viewSync = viewSync;
    this.settings = settings;
    this.clock = clock;
  }

  public int openStreams() {
    return openStreams.size();
  }

  public void initTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    StatusStream.Hooks hooks = StatusStream.Hooks.install(call);
    try {
      TemplateInput request = codec.decode(raw);
      Requests.validateInit(request);
      String idempotencyKey = CallMetadata.IDEMPOTENCY_KEY.get();
      String traceparent = CallMetadata.TRACEPARENT.get();
      if (idempotencyKey == null) {
        submitNew(call, hooks, request, JobIds.random(), traceparent);
        return;
      }
      if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw new InvalidRequestException("idempotency-key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
      }
      long window = clock.millis() / settings.idempotencyWindow().toMillis();
      String current = JobIds.forIdempotencyKey(idempotencyKey, window);
      String previous = JobIds.forIdempotencyKey(idempotencyKey, window - 1);
      lookup(previous, false).thenCombine(lookup(current, false), (inPrevious, inCurrent) ->
              inPrevious.map(state -> new Existing(previous, state)).or(() -> inCurrent.map(state -> new Existing(current, state))))
          .whenComplete((existing, error) -> {
            if (error != null) {
              fail(call, null, error);
            } else if (existing.isPresent()) {
              // A repeat of a submission Kafka already has: same job id, nothing enqueued.
              log.info("job {} resubmitted with the same idempotency key; not enqueued again", existing.get().jobId());
              answerExisting(call, hooks, request, existing.get());
            } else {
              submitNew(call, hooks, request, current, traceparent);
            }
          });
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  private void submitNew(ServerCallStreamObserver<byte[]> call, StatusStream.Hooks hooks, TemplateInput request, String jobId,
      String traceparent) {
    TemplateInput job = Requests.job(request, jobId);
    Function<JobState, byte[]> render = renderer(job);
    StatusStream stream = Requests.persistent(request) ? track(new StatusStream(call, hooks, jobId, JobState.Pending, render, openStreams::remove)) : null;
    Tracing.JobSpan span = Tracing.start("submit job", SpanKind.PRODUCER, traceparent, jobId);
    submitter.submit(jobId, job, span.traceparent())
        .orTimeout(settings.submitTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, error) -> {
          span.end(error == null ? null : error.toString());
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
  }

  private void answerExisting(ServerCallStreamObserver<byte[]> call, StatusStream.Hooks hooks, TemplateInput request,
      Existing existing) {
    Function<JobState, byte[]> render = renderer(Requests.job(request, existing.jobId()));
    try {
      if (!Requests.persistent(request) || JobStates.isTerminal(existing.state())) {
        call.onNext(render.apply(existing.state()));
        call.onCompleted();
        return;
      }
      StatusStream stream = track(new StatusStream(call, hooks, existing.jobId(), JobState.Pending, render, openStreams::remove));
      call.onNext(render.apply(JobState.Pending));
      stream.follow(view); // delivers the current status next, if it is past Pending
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  public void monitorTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    StatusStream.Hooks hooks = StatusStream.Hooks.install(call);
    try {
      TemplateInput request = codec.decode(raw);
      Function<JobState, byte[]> render = renderer(request);
      if (request.getHash() == null) {
        // PROTOCOL.md: no hash, one answer with status Error.
        call.onNext(render.apply(JobState.Error));
        call.onCompleted();
        return;
      }
      String jobId = request.getHash();
      lookup(jobId, true).whenComplete((state, error) -> {
        if (error != null) {
          fail(call, null, error);
          return;
        }
        try {
          JobState current = state.orElseThrow();
          if (!Requests.persistent(request) || JobStates.isTerminal(current)) {
            call.onNext(render.apply(current));
            call.onCompleted();
            return;
          }
          StatusStream stream = track(new StatusStream(call, hooks, jobId, current, render, openStreams::remove));
          call.onNext(render.apply(current));
          stream.follow(view);
        } catch (RuntimeException e) {
          fail(call, null, e);
        }
      });
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  /**
   * Cancels a job that has not finished: a cancel request goes to the job's input partition (so
   * the worker that owns the job sees it), then the answer waits, bounded, for the terminal status.
   * Answers the job's status: Error once cancelled, the terminal status if it finished first, or
   * Pending/Processing if no worker acted within the wait (the request stays in Kafka and is
   * honoured when a worker reaches it).
   */
  public void cancelTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    call.setOnCancelHandler(() -> { });
    try {
      TemplateInput request = codec.decode(raw);
      if (request.getHash() == null) {
        throw new InvalidRequestException("cancelTemplate needs the job id in hash");
      }
      String jobId = request.getHash();
      String traceparent = CallMetadata.TRACEPARENT.get();
      Function<JobState, byte[]> render = renderer(request);
      lookup(jobId, true)
          .thenCompose(state -> {
            JobState current = state.orElseThrow();
            if (JobStates.isTerminal(current)) {
              return CompletableFuture.completedFuture(current);
            }
            log.info("job {} cancel requested (status {})", jobId, current);
            Tracing.JobSpan span = Tracing.start("cancel job", SpanKind.PRODUCER, traceparent, jobId);
            return submitter.cancel(jobId, span.traceparent())
                .orTimeout(settings.submitTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, error) -> span.end(error == null ? null : error.toString()))
                .thenCompose(ok -> terminalStatus(jobId));
          })
          .whenComplete((state, error) -> {
            if (error != null) {
              fail(call, null, error);
              return;
            }
            try {
              call.onNext(render.apply(state));
              call.onCompleted();
            } catch (RuntimeException gone) {
              log.debug("caller of cancel {} went away: {}", jobId, gone.toString());
            }
          });
    } catch (RuntimeException e) {
      fail(call, null, e);
    }
  }

  /** Ends every open stream with UNAVAILABLE so clients reconnect elsewhere (shutdown). */
  public void closeOpenStreams() {
    for (StatusStream stream : List.copyOf(openStreams)) {
      stream.abort(Status.UNAVAILABLE.withDescription("gateway shutting down; monitor the job again"));
    }
  }

  /**
   * A job's status. Unknown here may only mean "not read yet" (another replica accepted it a
   * moment ago), so an unknown id waits for a read barrier on the status topic before it counts
   * as unknown. With {@code required}, unknown fails with NOT_FOUND.
   */
  private CompletableFuture<Optional<JobState>> lookup(String jobId, boolean required) {
    if (!viewSync.isCaughtUp()) {
      return CompletableFuture.failedFuture(new NotReadyException("the gateway is still reading the status topic; retry shortly"));
    }
    Optional<JobState> known = view.status(jobId);
    CompletableFuture<Optional<JobState>> answer = known.isPresent() || !JobIds.isValid(jobId)
        ? CompletableFuture.completedFuture(known)
        : viewSync.sync()
            .orTimeout(settings.syncTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .handle((ok, error) -> {
              if (error != null) {
                throw new NotReadyException("could not read the status topic to its end: " + error + "; retry shortly");
              }
              return view.status(jobId);
            });
    return !required ? answer : answer.thenApply(state -> {
      if (state.isEmpty()) {
        throw new JobNotFoundException(Requests.abbreviate(jobId));
      }
      return state;
    });
  }

  /** The job's terminal status once the view has it, or its status when {@code cancelWait} is up. */
  private CompletableFuture<JobState> terminalStatus(String jobId) {
    CompletableFuture<JobState> terminal = new CompletableFuture<>();
    StatusView.Subscription subscription = view.subscribe(jobId, state -> {
      if (JobStates.isTerminal(state)) {
        terminal.complete(state);
      }
    });
    return terminal
        .completeOnTimeout(null, settings.cancelWait().toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(state -> {
          subscription.close();
          return state != null ? state : view.status(jobId).orElse(JobState.Pending);
        });
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

  private record Existing(String jobId, JobState state) {}
}
