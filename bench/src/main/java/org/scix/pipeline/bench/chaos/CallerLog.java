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
    BULK, BATCH, CANCEL_BATCH, CANCEL_PARKED, CANCEL_ALL, REPLAY_ALL
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
  private final Map<String, statusenum> cancelAnswers = new ConcurrentHashMap<>(); // job id -> the status the Cancel call answered
  private final List<StreamSeen> streams = Collections.synchronizedList(new ArrayList<>());
  private final List<MonitorAnswer> monitors = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Set<String>> replays = new ConcurrentHashMap<>(); // dead letter ref -> job ids answered
  private final AtomicInteger replayCalls = new AtomicInteger();
  private final List<BatchCall> batches = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> batchCancels = new ConcurrentHashMap<>(); // batch id -> when cancelBatch returned

  /**
   * One bulk action (cancel-all or replay-all) and its answer: {@code target} is the filter as sent
   * (the audit entry's target); {@code counts} the answer's numbers in the order the audit entry's
   * detail states them; {@code jobIds} the jobs it names (replay-all) or the load's own jobs it
   * must have matched (cancel-all: submitted in the window and not ended when the call began).
   */
  public record BulkAction(String action, String target, String task, long since, long until, long calledAt, long answeredAt,
      int matched, List<Long> counts, List<String> jobIds) {}

  private final List<BulkAction> bulkActions = Collections.synchronizedList(new ArrayList<>());

  public void bulkAction(BulkAction action) {
    bulkActions.add(action);
  }

  public List<BulkAction> bulkActions() {
    synchronized (bulkActions) {
      return List.copyOf(bulkActions);
    }
  }

  /**
   * One answer of a read call asked at the run's end (or cancelBatch's, during it), about {@code id}
   * (a job, or a batch for batchStatus and cancelBatch): the status it gave (or a batch state's
   * name, or "total") and a number (a count, outputs, the latest progress done; -1 none).
   */
  public record EndAnswer(String call, String id, String status, long number) {}

  private final List<EndAnswer> endAnswers = Collections.synchronizedList(new ArrayList<>());

  public void endAnswer(EndAnswer answer) {
    endAnswers.add(answer);
  }

  public List<EndAnswer> endAnswers() {
    synchronized (endAnswers) {
      return List.copyOf(endAnswers);
    }
  }

  public CallerLog() {
    for (Feature feature : Feature.values()) {
      refused.put(feature, new AtomicInteger());
    }
  }

  /**
   * A schedule the load created (the create call answered at {@code createdAt}), ticking every
   * {@code every}, and its pauses in order (the last may never have been resumed).
   */
  public record ScheduleRun(String name, java.time.Duration every, long createdAt, List<Pause> pauses) {}

  /**
   * One pause of a task or a schedule, by when its calls started and answered; a pause not resumed
   * has {@code resumeCalled} and {@code resumeAnswered} at Long.MAX_VALUE. A call retried on another
   * replica counts from its first try, so the pause held at least from {@code answered} to {@code resumeCalled}.
   */
  public record Pause(long called, long answered, long resumeCalled, long resumeAnswered) {
    public Pause resumed(long resumeCalledAt, long resumeAnsweredAt) {
      return new Pause(called, answered, resumeCalledAt, resumeAnsweredAt);
    }
  }

  private final Map<String, ScheduleRun> schedules = new ConcurrentHashMap<>();
  private final Map<String, List<Pause>> taskPauses = new ConcurrentHashMap<>();
  private final Map<String, Limit> taskLimits = new ConcurrentHashMap<>();
  private volatile long loadEnded;

  /**
   * A task's concurrency limit per worker, set by a call answered at {@code answeredAt}; each of the
   * load's jobs of it holds its slot at least {@code minHoldMillis} once started (Long.MAX_VALUE: unknown).
   */
  public record Limit(int concurrency, long answeredAt, long minHoldMillis) {}

  public void scheduleCreated(String name, java.time.Duration every, long atMillis) {
    schedules.put(name, new ScheduleRun(name, every, atMillis, List.of()));
  }

  /** The schedule's pause call answered at {@code atMillis} (called then too); it stays paused. */
  public void schedulePaused(String name, long atMillis) {
    schedulePaused(name, atMillis, atMillis);
  }

  public void schedulePaused(String name, long calledAt, long answeredAt) {
    schedules.computeIfPresent(name, (n, run) -> new ScheduleRun(n, run.every(), run.createdAt(),
        append(run.pauses(), new Pause(calledAt, answeredAt, Long.MAX_VALUE, Long.MAX_VALUE))));
  }

  public void scheduleResumed(String name, long calledAt, long answeredAt) {
    schedules.computeIfPresent(name, (n, run) -> new ScheduleRun(n, run.every(), run.createdAt(), resumeLast(run.pauses(), calledAt, answeredAt)));
  }

  public Map<String, ScheduleRun> schedules() {
    return schedules;
  }

  public void taskPaused(String task, long calledAt, long answeredAt) {
    taskPauses.merge(task, List.of(new Pause(calledAt, answeredAt, Long.MAX_VALUE, Long.MAX_VALUE)), (a, b) -> append(a, b.get(0)));
  }

  public void taskResumed(String task, long calledAt, long answeredAt) {
    taskPauses.computeIfPresent(task, (t, pauses) -> resumeLast(pauses, calledAt, answeredAt));
  }

  /** Per task, its pauses in order. */
  public Map<String, List<Pause>> taskPauses() {
    return taskPauses;
  }

  public void taskLimited(String task, int concurrency, long answeredAt, long minHoldMillis) {
    taskLimits.put(task, new Limit(concurrency, answeredAt, minHoldMillis));
  }

  public Map<String, Limit> taskLimits() {
    return taskLimits;
  }

  /** The load stopped calling (its schedule paused for good): how far a paused schedule's ticks are checked. */
  public void loadEnded(long atMillis) {
    loadEnded = atMillis;
  }

  public long loadEnded() {
    return loadEnded;
  }

  private static List<Pause> append(List<Pause> pauses, Pause pause) {
    List<Pause> more = new ArrayList<>(pauses);
    more.add(pause);
    return List.copyOf(more);
  }

  private static List<Pause> resumeLast(List<Pause> pauses, long calledAt, long answeredAt) {
    if (pauses.isEmpty() || pauses.get(pauses.size() - 1).resumeCalled() != Long.MAX_VALUE) {
      return pauses; // not paused: nothing to resume
    }
    List<Pause> more = new ArrayList<>(pauses);
    more.set(more.size() - 1, more.get(more.size() - 1).resumed(calledAt, answeredAt));
    return List.copyOf(more);
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

  /** A cancel answered at {@code atMillis} with the job's status then ({@code Pending}: the job had not started, so it never may). */
  public void cancelAcknowledged(String jobId, long atMillis, statusenum answer) {
    cancelsAcknowledged.put(jobId, atMillis);
    cancelAnswers.put(jobId, answer);
  }

  /** The status each single cancel answered with (cancels of the bulk action have none). */
  public Map<String, statusenum> cancelAnswers() {
    return cancelAnswers;
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

  private final AtomicInteger slowBatches = new AtomicInteger();

  /** A streamed batch whose parts came a second apart was accepted (it is also a {@link #batch}). */
  public void slowBatchAccepted() {
    slowBatches.incrementAndGet();
  }

  public int slowBatches() {
    return slowBatches.get();
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
