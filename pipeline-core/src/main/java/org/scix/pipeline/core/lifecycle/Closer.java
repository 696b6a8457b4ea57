package org.scix.pipeline.core.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a composition root built, closed in reverse order of construction, once. Each part is
 * registered as soon as it exists, so a start that fails halfway closes exactly what it had built.
 * A part that fails to close is logged; the rest still close.
 */
public final class Closer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Closer.class);

  private record Part(String name, AutoCloseable closeable) {}

  private final Deque<Part> parts = new ArrayDeque<>();

  /** Registers {@code part} (closed before everything registered earlier) and returns it. */
  public synchronized <T extends AutoCloseable> T register(String name, T part) {
    parts.push(new Part(name, part));
    return part;
  }

  @Override
  public void close() {
    Part part;
    while ((part = next()) != null) {
      try {
        part.closeable().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while closing {}", part.name());
      } catch (Exception e) {
        log.warn("closing {} failed: {}", part.name(), e.toString());
      }
    }
  }

  private synchronized Part next() {
    return parts.poll();
  }
}
