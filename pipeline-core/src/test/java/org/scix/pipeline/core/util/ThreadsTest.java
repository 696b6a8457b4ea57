package org.scix.pipeline.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class ThreadsTest {
  @Test
  void threadsAreDaemonsNamedForWhatTheyDo() {
    assertThat(Threads.daemon("owned-work", () -> { }).isDaemon()).isTrue();
    assertThat(Threads.daemonFactory("ops-http").newThread(() -> { }).getName()).isEqualTo("ops-http");
    ThreadFactory tasks = Threads.numberedDaemonFactory("task-");
    assertThat(tasks.newThread(() -> { }).getName()).isEqualTo("task-1");
    Thread second = tasks.newThread(() -> { });
    assertThat(second.getName()).isEqualTo("task-2");
    assertThat(second.isDaemon()).isTrue();
  }

  @Test
  void anInterruptedSleepReturnsAtOnceWithTheInterruptFlagSetAgain() {
    Thread.currentThread().interrupt();
    assertThat(Threads.sleepQuietly(Duration.ofSeconds(30))).isFalse();
    assertThat(Thread.interrupted()).isTrue(); // clears it for the next test
  }
}
