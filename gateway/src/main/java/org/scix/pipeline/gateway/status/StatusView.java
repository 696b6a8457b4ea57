package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Every job the gateway knows, materialised from the status topic into a {@link JobStore}
 * (RocksDB: no Java heap per job), plus the streams following individual jobs.
 *
 * <p>A job only moves forward (Pending, Processing, terminal): a late or duplicate event cannot
 * take it back. Subscribing registers the listener <em>before</em> reading the current status,
 * so no change can fall between the two. One thread applies events (the status reader); any
 * thread reads.
 */
public final class StatusView implements AutoCloseable {
  private final JobStore store;
  private final Map<String, List<StatusListener>> listeners;
  private final ExecutorService[] notifiers; // empty: listeners are told on the applying thread
  private final List<StatusListenerForAll> allListeners = new CopyOnWriteArrayList<>();
  private final Timer notifyTime;

  /** The gateway's own share of a status change's way to a client: read from Kafka to written to gRPC. */
  public static final String NOTIFY_TIMER = "pipeline.status.notify";

  /**
   * @param notifyThreads threads that tell listeners of moves, each job always on the same one (so
   *     its changes arrive in order); 0 tells them on the thread applying the events
   */
  public StatusView(JobStore store, int notifyThreads) {
    this(store, notifyThreads, new SimpleMeterRegistry());
  }

  /** ... timing in {@code metrics} how long a job's streams wait for each of its changes ({@value #NOTIFY_TIMER}). */
  public StatusView(JobStore store, int notifyThreads, MeterRegistry metrics) {
    this(store, new ConcurrentHashMap<>(), notifyThreads, metrics);
  }

  /** For tests that need to interleave with the listener map's operations. */
  StatusView(JobStore store, ConcurrentHashMap<String, List<StatusListener>> listeners, int notifyThreads) {
    this(store, listeners, notifyThreads, new SimpleMeterRegistry());
  }

  private StatusView(JobStore store, ConcurrentHashMap<String, List<StatusListener>> listeners, int notifyThreads, MeterRegistry metrics) {
    this.store = store;
    this.listeners = listeners;
    this.notifyTime = Timer.builder(NOTIFY_TIMER)
        .description("From the status reader receiving a job's change to the job's streams having it written")
        .publishPercentiles(0.5, 0.99).register(metrics);
    this.notifiers = new ExecutorService[notifyThreads];
    for (int i = 0; i < notifyThreads; i++) {
      notifiers[i] = Executors.newSingleThreadExecutor(Threads.daemonFactory("status-notify-" + i));
    }
  }

  /** A view kept in memory only (tests, throwaway gateways). */
  public static StatusView inMemory() {
    return new StatusView(JobStore.inMemory(), 0);
  }

  /** One event as read from the status topic; {@code status} null is a tombstone (forget the job). */
  public record Event(int partition, long offset, String jobId, JobStatus status) {}

  public Optional<JobState> status(String jobId) {
    return job(jobId).map(JobRecord::state);
  }

  public Optional<JobRecord> job(String jobId) {
    return Optional.ofNullable(store.get(jobId));
  }

  public JobPage list(JobQuery query) {
    return store.list(query);
  }

  public List<JobRecord> withIdPrefix(String prefix, int limit) {
    return store.withIdPrefix(prefix, limit);
  }

  /** A batch's jobs counted by state (indexed by {@link JobState#ordinal}). */
  public long[] batchCounts(String batchId) {
    return store.batchCounts(batchId);
  }

  /** A page of a batch's jobs in job id order; see {@link JobStore#batchJobs}. */
  public List<JobStore.BatchEntry> batchJobs(String batchId, String after, int limit) {
    return store.batchJobs(batchId, after, limit);
  }

  /** Submitted, succeeded and failed per bucket since {@code since}; see {@link JobStore#activity}. */
  public long[][] activity(long since, long bucketMillis, int buckets) {
    return store.activity(since, bucketMillis, buckets, 200_000);
  }

  /** Tells {@code listener} of every job's every move (the dashboard's live view); returns how to stop. */
  public Subscription subscribeAll(StatusListenerForAll listener) {
    allListeners.add(listener);
    return () -> allListeners.remove(listener);
  }

  /** Told of every move of every job, off the reader thread when there are notifiers; must not block. */
  @FunctionalInterface
  public interface StatusListenerForAll {
    void onMove(JobRecord job);
  }

  public long size() {
    return store.size();
  }

  public long count(JobState state) {
    return store.count(state);
  }

  /** Where each partition of the status topic resumes: the offsets this view has applied. */
  public Map<Integer, Long> resumeOffsets() {
    return store.offsets();
  }

  /** Jobs with at least one listener. */
  public int subscriptionCount() {
    return listeners.size();
  }

  /** Listeners of {@code jobId}. */
  public int listenerCount(String jobId) {
    List<StatusListener> forJob = listeners.get(jobId);
    return forJob == null ? 0 : forJob.size();
  }

  /** {@link #applyAll(List, long)}, the events read now. */
  public List<JobRecord> applyAll(List<Event> events) {
    return applyAll(events, System.nanoTime());
  }

  /**
   * Applies events read from the status topic, in order, and records how far each partition was
   * read, in one atomic write; then tells each job's listeners of every move. Reader thread only.
   *
   * @param readAtNanos when the reader received them ({@link System#nanoTime}): notifications are timed from there
   * @return the jobs whose latest event here is a Pending that came after they had ended (a second
   *     submission of the same job id, committed late): the view keeps their end, but the topic's
   *     latest value for them is now that Pending, which compaction would keep
   */
  public List<JobRecord> applyAll(List<Event> events, long readAtNanos) {
    if (events.isEmpty()) {
      return List.of();
    }
    List<String> ids = events.stream().map(Event::jobId).distinct().toList();
    Map<String, JobRecord> stored = new HashMap<>();
    List<JobRecord> found = store.getAll(ids);
    for (int i = 0; i < ids.size(); i++) {
      stored.put(ids.get(i), found.get(i));
    }
    Map<String, JobRecord> current = new LinkedHashMap<>(stored);
    Map<Integer, Long> nextOffsets = new HashMap<>();
    List<JobRecord> moves = new ArrayList<>();
    List<JobRecord> progressed = new ArrayList<>(); // same status, new progress
    Map<String, Boolean> endsStale = new LinkedHashMap<>(); // job id -> its latest event here is a Pending after its end
    for (Event event : events) {
      if (event.offset() >= 0) {
        nextOffsets.merge(event.partition(), event.offset() + 1, Math::max);
      }
      JobRecord before = current.get(event.jobId());
      if (event.status() == null) {
        current.put(event.jobId(), null);
        endsStale.remove(event.jobId());
        continue;
      }
      endsStale.put(event.jobId(), before != null && before.isTerminal() && event.status().getStatus() == JobState.Pending);
      JobRecord after = before == null ? JobRecord.of(event.status(), event.partition()) : before.fold(event.status());
      if (after != before) {
        current.put(event.jobId(), after);
        if (after.movedFrom(before)) {
          moves.add(after);
        } else if (after.progress() != null && !after.progress().equals(before.progress())) {
          progressed.add(after);
        }
      }
    }
    try (JobStore.Batch batch = store.batch()) {
      current.forEach((id, after) -> {
        JobRecord before = stored.get(id);
        if (after == null && before != null) {
          batch.delete(before);
        } else if (after != null && after != before) {
          batch.put(before, after);
        }
      });
      nextOffsets.forEach(batch::offset);
      batch.commit();
    }
    List<JobRecord> stale = new ArrayList<>();
    endsStale.forEach((id, isStale) -> {
      if (isStale && current.get(id) != null) {
        stale.add(current.get(id));
      }
    });
    for (JobRecord moved : moves) {
      if (!allListeners.isEmpty()) {
        notify(moved.jobId(), () -> allListeners.forEach(listener -> listener.onMove(moved)));
      }
      List<StatusListener> forJob = listeners.get(moved.jobId());
      if (forJob != null) {
        notify(moved.jobId(), () -> {
          forJob.forEach(listener -> {
            listener.onStatus(moved.state());
            if (moved.progress() != null) {
              listener.onProgress(moved.progress());
            }
          });
          notifyTime.record(System.nanoTime() - readAtNanos, TimeUnit.NANOSECONDS);
        });
      }
    }
    for (JobRecord job : progressed) {
      List<StatusListener> forJob = listeners.get(job.jobId());
      if (forJob != null) {
        notify(job.jobId(), () -> forJob.forEach(listener -> listener.onProgress(job.progress())));
      }
    }
    return stale;
  }

  /** Off the reader thread when there are notifiers: 5,000 streams of one burst are written in parallel with its next poll. */
  private void notify(String jobId, Runnable tell) {
    if (notifiers.length == 0) {
      tell.run();
    } else {
      notifiers[Math.floorMod(jobId.hashCode(), notifiers.length)].execute(tell);
    }
  }

  /** Jobs ended before {@code endedBefore} (epoch millis), oldest first, at most {@code limit}. */
  List<JobRecord> endedBefore(long endedBefore, int limit) {
    return store.endedBefore(endedBefore, limit);
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
    job(jobId).ifPresent(job -> {
      listener.onStatus(job.state());
      if (job.progress() != null) {
        listener.onProgress(job.progress());
      }
    });
    return () -> listeners.computeIfPresent(jobId, (id, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  /** Flushes the store so a restart resumes from here, and closes it. */
  @Override
  public void close() {
    for (ExecutorService notifier : notifiers) {
      notifier.shutdown();
    }
    store.flush();
    store.close();
  }

  /** Handle to stop following a job. */
  @FunctionalInterface
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
