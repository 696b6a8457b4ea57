package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Whether answers from the view can be trusted: caught up, the reader alive, and its last poll no
 * longer ago than the allowed stall. Every change that is an event (caught up, stopped) is told to
 * the listener at once; a stall is the one state only time reveals (the gateway checks each second).
 */
final class ReaderHealth {
  private final Duration maxStall;
  private final Runnable onChange;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final long startNanos = System.nanoTime();
  private volatile long lastPollNanos = System.nanoTime();
  private volatile boolean stopped;
  private volatile Duration catchUpTime;

  ReaderHealth(Duration maxStall, Runnable onChange, MeterRegistry metrics) {
    this.maxStall = maxStall;
    this.onChange = onChange;
    Gauge.builder("pipeline.status_view.caught_up", this, h -> h.isCaughtUp() ? 1 : 0).register(metrics);
    Gauge.builder("pipeline.status_view.catch_up", this, h -> h.catchUpTime == null ? Double.NaN : h.catchUpTime.toNanos() / 1e9)
        .baseUnit("seconds").description("How long reading the status topic at start took").register(metrics);
  }

  boolean isCaughtUp() {
    return caughtUp.getCount() == 0;
  }

  boolean isHealthy() {
    return isCaughtUp() && !stopped && System.nanoTime() - lastPollNanos <= maxStall.toNanos();
  }

  /** The reader completed a poll (or was woken from one). */
  void polled() {
    lastPollNanos = System.nanoTime();
  }

  /** Returns how long catching up took. */
  Duration caughtUp() {
    catchUpTime = Duration.ofNanos(System.nanoTime() - startNanos);
    caughtUp.countDown();
    onChange.run();
    return catchUpTime;
  }

  /** The reader stopped: unhealthy for good. */
  void stopped() {
    stopped = true;
    onChange.run();
  }
}
