package org.scix.pipeline.core.util;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The services' background threads: all daemons (a stuck one never keeps a stopping process
 * alive; each owner stops its own), each named for what it does, as Kafka's {@code KafkaThread}
 * makes them.
 */
public final class Threads {
  private Threads() {}

  /** A daemon thread running {@code body}, not started. */
  public static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** Makes daemon threads all named {@code name} (a pool whose threads need no telling apart). */
  public static ThreadFactory daemonFactory(String name) {
    return body -> daemon(name, body);
  }

  /** Makes daemon threads named {@code prefix} followed by 1, 2, 3, ... */
  public static ThreadFactory numberedDaemonFactory(String prefix) {
    AtomicInteger made = new AtomicInteger();
    return body -> daemon(prefix + made.incrementAndGet(), body);
  }

  /**
   * Sleeps for {@code duration}; if interrupted, returns at once with the thread's interrupt flag
   * set again (for its loop to see) and false.
   */
  public static boolean sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
