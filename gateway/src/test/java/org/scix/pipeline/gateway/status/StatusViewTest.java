package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.status.JobState;

class StatusViewTest {
  @Test
  void movesOnlyForwardAndTellsListenersEachMove() {
    StatusView view = StatusView.inMemory();
    AtomicReference<JobState> seen = new AtomicReference<>();
    view.subscribe("job", seen::set);

    assertThat(StatusViews.apply(view, "job", JobState.Processing)).isTrue();
    assertThat(StatusViews.apply(view, "job", JobState.Pending)).isFalse();
    assertThat(StatusViews.apply(view, "job", JobState.Success)).isTrue();
    assertThat(StatusViews.apply(view, "job", JobState.Error)).isFalse();
    assertThat(view.status("job")).contains(JobState.Success);
    assertThat(seen).hasValue(JobState.Success);
  }

  /**
   * One stream closes while another subscribes to the same job: the close runs right after the
   * subscriber's access to the listener map (the map below makes that interleaving happen every
   * time). Had the listener been added after that access, outside the map's lock, it would land
   * on the list the close had just emptied and dropped, and never hear of the job again.
   */
  @Test
  void aSubscriptionRacingTheCloseOfTheLastOtherOneStillHearsTheJob() {
    InterleavingMap listeners = new InterleavingMap();
    StatusView view = new StatusView(JobStore.inMemory(), listeners, 0);
    StatusView.Subscription leaving = view.subscribe("job", state -> { });
    listeners.afterNextAccess = leaving::close;

    AtomicReference<JobState> heard = new AtomicReference<>();
    view.subscribe("job", heard::set);
    StatusViews.apply(view, "job", JobState.Success);

    assertThat(listeners.afterNextAccess).isNull(); // the close did run in the window
    assertThat(heard).hasValue(JobState.Success);
  }

  /** Runs a hook right after the next compute of a key, outside the map's lock. */
  private static final class InterleavingMap extends ConcurrentHashMap<String, List<StatusListener>> {
    Runnable afterNextAccess;

    @Override
    public List<StatusListener> computeIfAbsent(String key, Function<? super String, ? extends List<StatusListener>> f) {
      List<StatusListener> result = super.computeIfAbsent(key, f);
      runHook();
      return result;
    }

    @Override
    public List<StatusListener> compute(String key,
        BiFunction<? super String, ? super List<StatusListener>, ? extends List<StatusListener>> f) {
      List<StatusListener> result = super.compute(key, f);
      runHook();
      return result;
    }

    private void runHook() {
      Runnable hook = afterNextAccess;
      if (hook != null) {
        afterNextAccess = null;
        hook.run();
      }
    }
  }
}
