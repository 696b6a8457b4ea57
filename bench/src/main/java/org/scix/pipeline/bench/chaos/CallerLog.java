package org.scix.pipeline.bench.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.scix.pipeline.schemas.input.statusenum;

/**
 * What every caller of a fault run was told, recorded as the answers arrive (thread-safe): the
 * half of the history the topics cannot show. {@link HistoryCheck} holds it against the topics.
 */
public final class CallerLog {
  /** The kinds of work a load mixes; each job and call is filed under one. */
  public enum Feature {
    PLAIN, LONG, KEYED_RACE, DEADLINE, FLAKY, DEAD_LETTER, CANCEL_QUEUED, CANCEL_RUNNING, REPLAY, MONITOR, DELAYED, CANCEL_DELAYED,
    BULK, BATCH, CANCEL_BATCH
  }

  /**
   * One submitBatch call: its batch id (null when the call broke off before an answer named it), how
   * many jobs it had, how it ended, and when its cancel was acknowledged (0: not cancelled).
   */
  public record BatchCall(String batchId, int size, Answer answer) {}

  /** A job a caller was told exists (Pending), under the feature that submitted it. */
  public record Accepted(String jobId, Feature feature) {}

  /** One idempotency key sent to several gateways at once: the ids it can map to, and each call's answer. */
  public record KeyedRace(String key, Set<String> candidateIds, List<Answer> answers) {
    public boolean allRefused() {
      return answers.stream().allMatch(a -> a == Answer.REFUSED);
    }
  }

  /** How one call ended for its caller. */
  public enum Answer { ACCEPTED, REFUSED, OUTCOME_UNKNOWN }

  /** The statuses one stream delivered, in order; {@code completed}: it ended with a terminal status. */
  public record StreamSeen(String jobId, List<statusenum> statuses, boolean completed) {}

  /** One Monitor answer: the status, or null for NOT_FOUND. */
  public record MonitorAnswer(String jobId, statusenum status) {}

  private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
  private final Set<String> inDoubt = ConcurrentHashMap.newKeySet();
  private final Map<Feature, AtomicInteger> refused = new EnumMap<>(Feature.class);
  private final List<KeyedRace> races = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> cancelsAcknowledged = new ConcurrentHashMap<>(); // job id -> when the Cancel call returned
  private final List<StreamSeen> streams = Collections.synchronizedList(new ArrayList<>());
  private final List<MonitorAnswer> monitors = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Set<String>> replays = new ConcurrentHashMap<>(); // dead letter ref -> job ids answered
  private final AtomicInteger replayCalls = new AtomicInteger();
  private final List<BatchCall> batches = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> batchCancels = new ConcurrentHashMap<>(); // batch id -> when cancelBatch returned

  public CallerLog() {
    for (Feature feature : Feature.values()) {
      refused.put(feature, new AtomicInteger());
    }
  }

  /** A schedule the load created at {@code createdAt}, ticking every {@code every}; {@code pausedAt} 0 until paused. */
  public record ScheduleRun(String name, java.time.Duration every, long createdAt, long pausedAt) {}

  private final Map<String, ScheduleRun> schedules = new ConcurrentHashMap<>();

  public void scheduleCreated(String name, java.time.Duration every, long atMillis) {
    schedules.put(name, new ScheduleRun(name, every, atMillis, 0));
  }

  public void schedulePaused(String name, long atMillis) {
    schedules.computeIfPresent(name, (n, run) -> new ScheduleRun(n, run.every(), run.createdAt(), atMillis));
  }

  public Map<String, ScheduleRun> schedules() {
    return schedules;
  }

  public void accepted(Feature feature, String jobId) {
    accepted.putIfAbsent(jobId, new Accepted(jobId, feature));
  }

  /** Not accepted: nothing was enqueued (the caller may try again). */
  public void refused(Feature feature) {
    refused.get(feature).incrementAndGet();
  }

  /** Answered "outcome unknown" naming the job: it may exist or not, but never twice. */
  public void inDoubt(String jobId) {
    inDoubt.add(jobId);
  }

  public void race(KeyedRace race) {
    races.add(race);
  }

  public void cancelAcknowledged(String jobId, long atMillis) {
    cancelsAcknowledged.put(jobId, atMillis);
  }

  public void stream(StreamSeen stream) {
    streams.add(stream);
  }

  public void monitor(MonitorAnswer answer) {
    monitors.add(answer);
  }

  /** A Replay call of dead letter {@code ref}; {@code replayedAs} is null when it was refused. */
  public void replay(String ref, String replayedAs) {
    replayCalls.incrementAndGet();
    Set<String> ids = replays.computeIfAbsent(ref, r -> ConcurrentHashMap.newKeySet());
    if (replayedAs != null) {
      ids.add(replayedAs);
    }
  }

  public void batch(BatchCall call) {
    batches.add(call);
  }

  public void batchCancelled(String batchId, long atMillis) {
    batchCancels.put(batchId, atMillis);
  }

  public List<BatchCall> batches() {
    synchronized (batches) {
      return List.copyOf(batches);
    }
  }

  public Map<String, Long> batchCancels() {
    return batchCancels;
  }

  public Map<String, Accepted> accepted() {
    return accepted;
  }

  public Set<String> acceptedIds() {
    return accepted.keySet();
  }

  public Set<String> inDoubt() {
    return inDoubt;
  }

  public int refusedCount(Feature feature) {
    return refused.get(feature).get();
  }

  public int refusedTotal() {
    return refused.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  public List<KeyedRace> races() {
    synchronized (races) {
      return List.copyOf(races);
    }
  }

  public Map<String, Long> cancelsAcknowledged() {
    return cancelsAcknowledged;
  }

  public List<StreamSeen> streams() {
    synchronized (streams) {
      return List.copyOf(streams);
    }
  }

  public List<MonitorAnswer> monitors() {
    synchronized (monitors) {
      return List.copyOf(monitors);
    }
  }

  public Map<String, Set<String>> replays() {
    return replays;
  }

  public int replayCalls() {
    return replayCalls.get();
  }
}
