package org.scix.pipeline.gateway.status;

import java.util.concurrent.CompletableFuture;

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
}
