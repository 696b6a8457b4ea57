package org.scix.pipeline.gateway.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response skeleton every handler shares: runs the handler, writes its {@link Reply} or maps
 * its failure through {@link GrpcErrors}, and is the one place that copes with a caller who went
 * away before the answer (writing to a cancelled call is then a no-op, logged at DEBUG).
 */
final class Responder {
  private static final Logger log = LoggerFactory.getLogger(Responder.class);

  private final ServerCallStreamObserver<byte[]> call;
  private final StatusStream.Hooks hooks;
  private final StatusView view;
  private final OpenStreams streams;

  private Responder(ServerCallStreamObserver<byte[]> call, StatusView view, OpenStreams streams) {
    this.call = call;
    // Installed now: gRPC takes ready and cancel handlers only while the handler method runs.
    this.hooks = StatusStream.Hooks.install(call);
    this.view = view;
    this.streams = streams;
  }

  static Responder of(StreamObserver<byte[]> observer, StatusView view, OpenStreams streams) {
    return new Responder((ServerCallStreamObserver<byte[]>) observer, view, streams);
  }

  /** Runs {@code handler} and answers with what it produces, or with its failure. */
  void answer(Supplier<CompletionStage<Reply>> handler) {
    try {
      handler.get().whenComplete((reply, error) -> {
        if (error != null) {
          fail(error);
        } else {
          send(reply);
        }
      });
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void send(Reply reply) {
    try {
      if (reply instanceof Reply.Once once) {
        call.onNext(once.message());
        call.onCompleted();
      } else if (reply instanceof Reply.Follow follow) {
        StatusStream stream = new StatusStream(call, follow.jobId(), follow.first(), follow.render(), follow.withProgress(),
            streams::remove);
        // Registered before the cancel hook can reach it, so a call cancelled meanwhile is removed, not leaked.
        streams.add(stream);
        call.onNext(stream.firstMessage(follow.withProgress() ? view.job(follow.jobId()).map(JobRecord::progress).orElse(null) : null));
        hooks.attach(stream);
        stream.follow(view); // delivers the current status next, if it moved past the first
      }
    } catch (RuntimeException e) {
      if (call.isCancelled()) {
        log.debug("caller went away before the answer: {}", e.toString());
      } else {
        fail(e);
      }
    }
  }

  private void fail(Throwable error) {
    try {
      call.onError(GrpcErrors.toStatus(error));
    } catch (RuntimeException alreadyClosed) {
      log.debug("call already closed: {}", alreadyClosed.toString());
    }
  }
}
