package org.scix.pipeline.gateway.status;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.gateway.errors.NotReadyException;

/** How fresh the {@link StatusView} is, and a read barrier for answers that must not be stale. */
public interface StatusViewSync {
  /** True once the view holds everything that was on the status topic when the gateway started. */
  boolean isCaughtUp();

  /**
   * Completes once the view holds every status event committed before this call (a read barrier:
   * a job another replica accepted a moment ago is then known here). Fails if Kafka cannot tell
   * where the end of the topic is.
   */
  CompletableFuture<Void> sync();

  /**
   * {@link #sync}, waited for on the caller's thread (blocking handlers: HTTP, batch and lookup calls).
   *
   * @throws NotReadyException if the view could not read to the topic's end within {@code timeout}
   */
  default void awaitSynced(Duration timeout) {
    try {
      sync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new NotReadyException("the status view could not read the status topic to its end within " + timeout.toMillis()
          + " ms; retry shortly, or ask another replica");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotReadyException("interrupted while reading the status topic to its end");
    }
  }
}
