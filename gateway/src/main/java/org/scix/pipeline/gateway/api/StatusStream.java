package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.function.Consumer;
import java.util.function.Function;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusListener;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server stream following one job, with gRPC flow control: it holds at most one unsent
 * status (the newest; older unsent ones are coalesced away) and writes only while the transport
 * is ready, so a slow reader costs a constant amount of memory. Statuses only move forward; the
 * terminal one is always delivered, then the call completes. A stream that asked for progress
 * ({@link ProgressField}) also sends each new progress of the running job (the newest unsent one
 * only), never after the job's end, and every message it sends carries the latest progress.
 */
final class StatusStream implements StatusListener {
  private static final Logger log = LoggerFactory.getLogger(StatusStream.class);

  private final ServerCallStreamObserver<byte[]> call;
  private final Function<JobState, byte[]> render;
  private final boolean withProgress;
  private final String jobId;
  private final Consumer<StatusStream> onDone;
  private StatusView.Subscription subscription;
  private JobState lastSent;
  private JobState unsent;
  private JobRecord.Progress progress; // the latest known (progress streams only)
  private boolean progressUnsent;
  private boolean done;

  /** @param withProgress the call asked for progress: {@code render}'s messages get the progress field appended */
  StatusStream(ServerCallStreamObserver<byte[]> call, String jobId, JobState alreadySent, Function<JobState, byte[]> render,
      boolean withProgress, Consumer<StatusStream> onDone) {
    this.call = call;
    this.withProgress = withProgress;
    this.onDone = onDone;
    this.jobId = jobId;
    this.lastSent = alreadySent;
    this.render = render;
  }

  /**
   * The call's ready and cancel handlers. gRPC accepts them only while the handler method runs,
   * but a stream may start later (after a Kafka commit or a status-topic read), so they are
   * installed at entry and forward to the stream once it exists.
   */
  static final class Hooks {
    private StatusStream stream;
    private boolean cancelled;

    static Hooks install(ServerCallStreamObserver<byte[]> call) {
      Hooks hooks = new Hooks();
      call.setOnReadyHandler(hooks::ready);
      call.setOnCancelHandler(hooks::cancel);
      return hooks;
    }

    /** Forwards the call's events to {@code attached} from now on (at once, if it was already cancelled). */
    void attach(StatusStream attached) {
      boolean alreadyCancelled;
      synchronized (this) {
        stream = attached;
        alreadyCancelled = cancelled;
      }
      if (alreadyCancelled) {
        attached.cancelled();
      }
    }

    private void ready() {
      StatusStream current;
      synchronized (this) {
        current = stream;
      }
      if (current != null) {
        current.drain();
      }
    }

    private void cancel() {
      StatusStream current;
      synchronized (this) {
        cancelled = true;
        current = stream;
      }
      if (current != null) {
        current.cancelled();
      }
    }
  }

  /** Starts following; must be called once, after construction. */
  void follow(StatusView view) {
    StatusView.Subscription s = view.subscribe(jobId, this);
    synchronized (this) {
      subscription = s;
      if (done) {
        s.close();
      }
    }
  }

  @Override
  public void onStatus(JobState state) {
    synchronized (this) {
      if (done || !JobStates.canMove(unsent != null ? unsent : lastSent, state)) {
        return;
      }
      unsent = state;
    }
    drain();
  }

  /** The stream's first message: its first status, with {@code progressNow} on a progress stream. */
  synchronized byte[] firstMessage(JobRecord.Progress progressNow) {
    progress = progressNow;
    return message(lastSent);
  }

  @Override
  public void onProgress(JobRecord.Progress latest) {
    synchronized (this) {
      JobState state = unsent != null ? unsent : lastSent;
      if (!withProgress || done || JobStates.isTerminal(state) || latest.equals(progress)) {
        return;
      }
      progress = latest;
      progressUnsent = state == JobState.Processing; // a Pending stream sends it with the Processing to come
    }
    drain();
  }

  private synchronized void drain() {
    if (done || (unsent == null && !progressUnsent) || !call.isReady()) {
      return;
    }
    JobState state = unsent != null ? unsent : lastSent;
    unsent = null;
    progressUnsent = false;
    try {
      call.onNext(message(state));
      lastSent = state;
      if (JobStates.isTerminal(state)) {
        finish();
        call.onCompleted();
      }
    } catch (RuntimeException e) {
      // The call was cancelled between isReady and onNext.
      log.debug("stream for job {} ended while writing: {}", jobId, e.toString());
      finish();
    }
  }

  /** The status message; on a progress stream with the job's latest progress appended (none once it ended). */
  private byte[] message(JobState state) {
    byte[] status = render.apply(state);
    return withProgress ? ProgressField.append(status, JobStates.isTerminal(state) ? null : progress) : status;
  }

  private synchronized void cancelled() {
    finish();
  }

  /** Ends the stream from the server side (gateway shutdown). */
  synchronized void abort(Status status) {
    if (!done) {
      finish();
      try {
        call.onError(status.asRuntimeException());
      } catch (RuntimeException alreadyClosed) {
        // nothing left to tell
      }
    }
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    if (subscription != null) {
      subscription.close();
    }
    onDone.accept(this);
  }
}
