package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.TestStatuses;

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

  /** A Pending that comes after a job's end (a duplicate submission committed late) is reported: the topic now ends in it. */
  @Test
  void aPendingAfterAJobEndedIsReportedAsAStaleEndOnlyWhileItIsTheLatestEvent() {
    StatusView view = StatusView.inMemory();
    JobStatus end = TestStatuses.of("job", JobState.Error).attempt(2).writer("w-1").reason("boom").at(5_000).build();
    assertThat(view.applyAll(List.of(event(TestStatuses.of("job", JobState.Pending).at(1_000).build()), event(end)))).isEmpty();

    List<JobRecord> stale = view.applyAll(List.of(event(TestStatuses.of("job", JobState.Pending).at(6_000).build())));

    assertThat(stale).extracting(JobRecord::jobId).containsExactly("job");
    assertThat(view.status("job")).contains(JobState.Error); // the view keeps the end
    JobStatus restated = stale.get(0).endEvent();
    assertThat(List.of(restated.getStatus(), restated.getTime(), restated.getAttempt(), restated.getWorker(), restated.getErrorReason()))
        .isEqualTo(List.of(end.getStatus(), end.getTime(), end.getAttempt(), end.getWorker(), end.getErrorReason()));
    // The late Pending and the restated end read in one poll: the topic ends in the end, nothing to do.
    assertThat(view.applyAll(List.of(event(TestStatuses.of("job", JobState.Pending).at(7_000).build()), event(restated)))).isEmpty();
  }

  private static StatusView.Event event(JobStatus status) {
    return new StatusView.Event(0, -1, status.getJobId(), status);
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
