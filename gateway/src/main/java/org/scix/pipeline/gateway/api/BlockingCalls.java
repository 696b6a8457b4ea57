package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the gRPC calls whose work blocks (a batch's transaction, a schedule's write, a read barrier)
 * on their own threads, never on a transport thread, and answers each once: its result, or the
 * status {@link GrpcErrors} maps its failure to.
 */
public final class BlockingCalls implements AutoCloseable {
  /** A call's work. */
  @FunctionalInterface
  public interface Work<R> {
    R run() throws Exception;
  }

  private final ExecutorService threads;

  public BlockingCalls(ExecutorService threads) {
    this.threads = threads;
  }

  /** Runs {@code work} on a call thread and answers {@code observer} with its result or its mapped failure. */
  public <R> void answer(StreamObserver<R> observer, Work<R> work) {
    try {
      threads.execute(() -> {
        R result;
        try {
          result = work.run();
        } catch (Exception e) {
          observer.onError(GrpcErrors.toStatus(e));
          return;
        }
        observer.onNext(result);
        observer.onCompleted();
      });
    } catch (RejectedExecutionException e) {
      observer.onError(Status.UNAVAILABLE.withDescription("gateway shutting down; retry on another replica").asRuntimeException());
    }
  }

  /** Takes no more calls; lets those running finish for up to 10 s. */
  @Override
  public void close() {
    threads.shutdown();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
