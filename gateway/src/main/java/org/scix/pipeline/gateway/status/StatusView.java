package org.scix.pipeline.gateway.status;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.schemas.status.JobState;

/**
 * The latest status of every job, materialised from the status topic, plus the streams
 * following individual jobs.
 *
 * <p>It only moves forward (Pending, Processing, terminal): a late or duplicate event cannot
 * take a job back. Memory per job is one map entry: the 64-char id and a shared enum constant.
 * Subscribing registers the listener <em>before</em> reading the current status, so no change
 * can fall between the two.
 */
public final class StatusView {
  private final Map<String, JobState> statuses = new ConcurrentHashMap<>(1 << 16);
  private final Map<String, List<StatusListener>> listeners;

  public StatusView() {
    this(new ConcurrentHashMap<>());
  }

  /** For tests that need to interleave with the listener map's operations. */
  StatusView(ConcurrentHashMap<String, List<StatusListener>> listeners) {
    this.listeners = listeners;
  }

  public Optional<JobState> status(String jobId) {
    return Optional.ofNullable(statuses.get(jobId));
  }

  public int size() {
    return statuses.size();
  }

  public int subscriptionCount() {
    return listeners.size();
  }

  /** Applies one event; returns whether the job moved. Called by the single reader thread. */
  public boolean apply(String jobId, JobState next) {
    JobState[] before = new JobState[1];
    JobState after = statuses.compute(jobId, (id, current) -> {
      before[0] = current;
      return JobStates.fold(current, next, Function.identity());
    });
    if (after == before[0]) {
      return false;
    }
    List<StatusListener> forJob = listeners.get(jobId);
    if (forJob != null) {
      forJob.forEach(listener -> listener.onStatus(next));
    }
    return true;
  }

  /** A tombstone on the status topic: forget the job. */
  public void remove(String jobId) {
    statuses.remove(jobId);
  }

  /**
   * Starts telling {@code listener} about {@code jobId}: first its current status (if known), then
   * each change. Listeners must tolerate seeing a status twice (the current one may race with its
   * own change event); {@code StatusStream} drops anything not newer than what it sent.
   */
  public Subscription subscribe(String jobId, StatusListener listener) {
    // Added inside the map's lock: a close that empties and removes this job's list at the same
    // moment cannot leave the new listener on a list the view no longer holds.
    listeners.compute(jobId, (id, list) -> {
      List<StatusListener> forJob = list != null ? list : new CopyOnWriteArrayList<>();
      forJob.add(listener);
      return forJob;
    });
    JobState current = statuses.get(jobId);
    if (current != null) {
      listener.onStatus(current);
    }
    return () -> listeners.computeIfPresent(jobId, (id, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  /** Handle to stop following a job. */
  @FunctionalInterface
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
