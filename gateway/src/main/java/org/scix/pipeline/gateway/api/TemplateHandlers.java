package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.SpanKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.gateway.errors.ClientInput;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.errors.NotReadyException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.gateway.interceptors.CallMetadata;
import org.scix.pipeline.gateway.status.JobRecord;
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
 * surface as UNKNOWN). Each handler only computes its {@link Reply}; {@link Responder} writes it
 * or maps the failure. Nothing here blocks a gRPC thread: Kafka and status-topic waits are futures.
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
  private final OpenStreams openStreams = new OpenStreams();

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

  /** Ends every open stream with UNAVAILABLE so clients reconnect elsewhere (shutdown). */
  public void closeOpenStreams() {
    openStreams.abortAll(Status.UNAVAILABLE.withDescription("gateway shutting down; monitor the job again"));
  }

  public void initTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    respond(observer).answer(() -> init(codec.decode(raw), CallMetadata.idempotencyKey(), CallMetadata.runAt(),
        CallMetadata.priority(), CallMetadata.traceparent()));
  }

  public void monitorTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    respond(observer).answer(() -> monitor(codec.decode(raw)));
  }

  public void cancelTemplate(byte[] raw, StreamObserver<byte[]> observer) {
    respond(observer).answer(() -> cancel(codec.decode(raw), CallMetadata.traceparent()));
  }

  private Responder respond(StreamObserver<byte[]> observer) {
    return Responder.of(observer, view, openStreams);
  }

  private CompletableFuture<Reply> init(TemplateInput request, String idempotencyKey, String runAt, String priorityHeader,
      String traceparent) {
    Requests.validateInit(request);
    Instant due = Requests.dueTime(runAt, clock.instant(), settings.maxDelay());
    Priority priority = Requests.priority(priorityHeader);
    if (idempotencyKey == null) {
      return submitNew(request, submitter.freshJobId(), traceparent, false, due, priority);
    }
    if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidRequestException("idempotency-key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    long window = clock.millis() / settings.idempotencyWindow().toMillis();
    String current = JobIds.forIdempotencyKey(idempotencyKey, window);
    // The next window too: a replica whose clock runs ahead may already have used it at the edge.
    List<String> candidates = List.of(JobIds.forIdempotencyKey(idempotencyKey, window - 1), current,
        JobIds.forIdempotencyKey(idempotencyKey, window + 1));
    return existing(candidates)
        .thenCompose(existing -> existing.isPresent()
            ? CompletableFuture.completedFuture(repeated(request, existing.get()))
            : submitNew(request, current, traceparent, true, due, priority));
  }

  /** The first of these job ids that exists, with its status. */
  private CompletableFuture<Optional<Existing>> existing(List<String> jobIds) {
    List<CompletableFuture<Optional<JobState>>> lookups = jobIds.stream().map(id -> lookup(id, false)).toList();
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(done -> {
      for (int i = 0; i < jobIds.size(); i++) {
        Optional<JobState> state = lookups.get(i).join();
        if (state.isPresent()) {
          return Optional.of(new Existing(jobIds.get(i), state.get()));
        }
      }
      return Optional.empty();
    });
  }

  /**
   * @param keyed the id comes from an idempotency key: a retry racing this submission joins it
   * @param due when a delayed job is to be handed to the workers; null: at once
   * @param priority which input topic the job goes to
   */
  private CompletableFuture<Reply> submitNew(TemplateInput request, String jobId, String traceparent, boolean keyed, Instant due,
      Priority priority) {
    boolean stream = Requests.persistent(request);
    TemplateInput job = Requests.intoJob(request, jobId); // the request was decoded for this call alone: no copy
    // The answer is the job as submitted (status Pending): encoded now, on the caller's thread, once.
    byte[] pending = codec.encode(job);
    Function<JobState, byte[]> render = state -> state == JobState.Pending ? pending : renderer(job).apply(state);
    Tracing.JobSpan span = Tracing.start("submit job", SpanKind.PRODUCER, traceparent, jobId);
    CompletableFuture<Void> accepted = due != null ? submitter.submitDelayed(jobId, job, span.traceparent(), due, priority)
        : keyed ? submitter.submitKeyed(jobId, job, span.traceparent(), priority)
        : submitter.submit(jobId, job, span.traceparent(), priority);
    return accepted.handle((ok, error) -> { // one stage per call: this runs for every accepted job
      span.end(error == null ? null : error.toString());
      if (error != null) {
        throw error instanceof CompletionException completion ? completion : new CompletionException(error);
      }
      return Reply.status(jobId, JobState.Pending, render, stream);
    });
  }

  /** A repeat of a submission Kafka already has: same job id, nothing enqueued; a stream starts at Pending like the first. */
  private Reply repeated(TemplateInput request, Existing existing) {
    log.info("job {} resubmitted with the same idempotency key; not enqueued again", existing.jobId());
    Function<JobState, byte[]> render = renderer(Requests.job(request, existing.jobId()));
    boolean stream = Requests.persistent(request) && !JobStates.isTerminal(existing.state());
    return stream ? new Reply.Follow(existing.jobId(), JobState.Pending, render, false) : new Reply.Once(render.apply(existing.state()));
  }

  private CompletableFuture<Reply> monitor(TemplateInput request) {
    Function<JobState, byte[]> render = renderer(request);
    boolean withProgress = CallMetadata.progress(); // read on the call's thread: the gRPC context is not passed on
    if (request.getHash() == null) {
      // PROTOCOL.md: no hash, one answer with status Error.
      return CompletableFuture.completedFuture(Reply.status(null, JobState.Error, render, false, withProgress, null));
    }
    String jobId = request.getHash();
    return lookup(jobId, true).thenApply(state -> Reply.status(jobId, state.orElseThrow(), render, Requests.persistent(request),
        withProgress, withProgress ? view.job(jobId).map(JobRecord::progress).orElse(null) : null));
  }

  /**
   * Cancels a job that has not finished: a cancel request goes to the job's input partition (so
   * the worker that owns the job sees it), then the answer waits, bounded, for the terminal status.
   * Answers the job's status: Error once cancelled, the terminal status if it finished first, or
   * Pending/Processing if no worker acted within the wait (the request stays in Kafka and is
   * honoured when a worker reaches it).
   */
  private CompletableFuture<Reply> cancel(TemplateInput request, String traceparent) {
    if (request.getHash() == null) {
      throw new InvalidRequestException("cancelTemplate needs the job id in hash");
    }
    String jobId = request.getHash();
    Function<JobState, byte[]> render = renderer(request);
    return lookup(jobId, true)
        .thenCompose(state -> {
          JobState current = state.orElseThrow();
          if (JobStates.isTerminal(current)) {
            return CompletableFuture.completedFuture(current);
          }
          log.info("job {} cancel requested (status {})", jobId, current);
          Tracing.JobSpan span = Tracing.start("cancel job", SpanKind.PRODUCER, traceparent, jobId);
          return submitter.cancel(view.job(jobId).orElseThrow(), span.traceparent())
              .whenComplete((ok, error) -> span.end(error == null ? null : error.toString()))
              .thenCompose(ok -> terminalStatus(jobId));
        })
        .thenApply(state -> new Reply.Once(render.apply(state)));
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
        : within(viewSync.sync(), settings.syncTimeout(), () -> new OperationTimeoutException(
            "could not read the status topic to its end in time; retry shortly"))
            .handle((ok, error) -> {
              if (error != null) {
                throw new NotReadyException("could not read the status topic to its end: " + unwrap(error).getMessage() + "; retry shortly");
              }
              return view.status(jobId);
            });
    return !required ? answer : answer.thenApply(state -> {
      if (state.isEmpty()) {
        throw new NotFoundException("no job with id '" + ClientInput.abbreviate(jobId) + "'");
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

  /** {@code future}, failing with what {@code whenLate} makes if it takes longer than {@code timeout}. */
  private static <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout, Supplier<RuntimeException> whenLate) {
    return future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(error -> CompletableFuture.failedFuture(
        unwrap(error) instanceof TimeoutException ? whenLate.get() : unwrap(error)));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private Function<JobState, byte[]> renderer(TemplateInput template) {
    return state -> codec.encode(TemplateInput.newBuilder(template).setStatus(statusenum.valueOf(state.name())).build());
  }

  private record Existing(String jobId, JobState state) {}
}
