package org.scix.pipeline.bench.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.scix.pipeline.bench.chaos.CallerLog.Feature;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Checks a run's whole history, as Jepsen's checkers do: what the topics hold ({@link TopicHistory})
 * against what every caller was told ({@link CallerLog}). Each defect class is counted on its own;
 * any count above zero fails the run. A job answered "outcome unknown" may be absent or end once:
 * it is not counted lost.
 */
public final class HistoryCheck {
  /** The defect classes, in report order. */
  public static final List<String> DEFECTS = List.of(
      "lost", // a caller was told Pending; the job never ended
      "doubled", // more than one terminal status: it ran (or ended) twice
      "stuck", // its last status on the topic is not terminal (a view rebuilt from the compacted topic would show it so)
      "backwards", // a status moved back in topic order (a repeated Pending of a raced key or replay aside)
      "forgotten unfinished", // a retention tombstone for a job that had not ended
      "duplicated output", // one output record id written twice
      "output without Success",
      "Success without output", // every task of these loads writes one output, named after its job
      "Success names outputs not its own", // the output location in its Success (results by job id) is not its job's records
      "refused keyed job on the topics", // every call of a key was told "not accepted", yet its job exists
      "Success after acknowledged cancel", // the cancel was acknowledged before the job first started
      "started after a cancel answered Pending", // the cancel said the job had not started: it must never start
      "started while its task was paused", // between a pause call's answer and the resume call
      "more running than the task's limit", // on one worker, more runs of a limited task at once than its limit
      "started before due", // a delayed job a worker started before its run-at time
      "progress after its end", // a progress report on the topic after the job's terminal status
      "schedule tick without a job", // between a schedule's first and last job (or until it was paused), a tick with none
      "schedule tick with two jobs", // a tick's job twice on the input topic
      "schedule tick while paused", // a tick between a pause's answer and the resume call has a job (fired paused, or as backlog on resume)
      "batch not whole", // a batch on the input topics with fewer or more jobs than its call had
      "refused batch on the topics", // a batch no call was told about (nor left in doubt) has jobs on the input topics
      "replayed more than once", // one dead letter, more than one replay job
      "bulk action unlike its audit entry", // a cancel-all or replay-all answered, with no audit entry or one stating other counts
      "bulk action unlike the topics", // its counts or job ids contradict the topics
      "answer unlike the final topics", // batchStatus, batchJobs, jobOutputs, ListJobs, progress asked at the end; cancelBatch's total
      "stream went backwards",
      "stream ended unlike the topic",
      "Monitor disagrees with the topic");

  /**
   * How far apart two timestamps of one moment may be. Workers, gateways and the load run on this
   * machine (one clock), but a run's started_time is taken on its task thread a moment after the
   * worker decided to start it, and the load notes a call's answer a moment after it was given.
   */
  public static final long CLOCK_TOLERANCE_MS = 250;

  private HistoryCheck() {}

  /**
   * @param defects count per defect class (every class present, zero when clean)
   * @param defectsByFeature the same, per feature of the job concerned ("keyed_race: lost"); only those above zero
   * @param exercised how much each feature and fault path was used: a clean run that exercised nothing proves nothing
   */
  public record Result(int jobs, int accepted, Map<String, Integer> defects, Map<String, Integer> defectsByFeature,
      Map<String, Integer> exercised, Map<String, List<String>> examples) {
    public boolean clean() {
      return defects.values().stream().allMatch(n -> n == 0);
    }

    public int count(String defect) {
      return defects.getOrDefault(defect, 0);
    }

    public String summary() {
      StringBuilder out = new StringBuilder().append(jobs).append(" job(s) on the topics, ").append(accepted).append(" accepted: ");
      List<String> parts = new ArrayList<>();
      defects.forEach((defect, n) -> parts.add(n + " " + defect));
      out.append(String.join(", ", parts));
      if (!examples.isEmpty()) {
        out.append("; e.g. ").append(examples);
      }
      return out.toString();
    }
  }

  public static Result check(TopicHistory topics, CallerLog callers) {
    Checker checker = new Checker(topics, callers);
    checker.jobs();
    checker.outputs();
    checker.keyedRaces();
    checker.cancels();
    checker.replays();
    checker.streams();
    checker.monitors();
    checker.schedules();
    checker.batches();
    checker.pausedTasks();
    checker.limits();
    checker.bulkActions();
    checker.endAnswers();
    return new Result(topics.statuses().size(), callers.acceptedIds().size(), checker.defects, checker.byFeature, checker.exercised(),
        checker.examples);
  }

  /** Reads the topics and checks them; see {@link #check}. */
  public static Result read(KafkaSettings kafka, TopicSettings topics,
      CallerLog callers) {
    return check(TopicHistory.read(kafka, topics), callers);
  }

  /** Checks until no job is lost or stuck any more (the pipeline caught up), or until {@code timeout}; returns the last result. */
  public static Result awaitSettled(Supplier<Result> check, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Result result = check.get();
    while ((result.count("lost") > 0 || result.count("stuck") > 0) && System.nanoTime() < deadline) {
      Thread.sleep(2000);
      result = check.get();
    }
    return result;
  }

  private static final class Checker {
    private final TopicHistory topics;
    private final CallerLog callers;
    private final Map<String, Integer> defects = new LinkedHashMap<>();
    private final Map<String, Integer> byFeature = new LinkedHashMap<>();
    private final Map<String, List<String>> examples = new LinkedHashMap<>();
    private int scheduledTicks;
    private int ticksAfterResume;
    private int pausedStartsChecked;
    private int limitedAttempts;
    private int atTheLimit;
    private int endAnswersChecked;
    private int locatedOutputs;
    private int progressReports;

    Checker(TopicHistory topics, CallerLog callers) {
      this.topics = topics;
      this.callers = callers;
      DEFECTS.forEach(defect -> defects.put(defect, 0));
    }

    /** A defect whose example says more than the job id ({@code note}: "+1200 ms after the pause"). */
    private void defect(String kind, String jobId, String note) {
      int before = examples.getOrDefault(kind, List.of()).size();
      defect(kind, jobId);
      List<String> ids = examples.get(kind);
      if (ids.size() > before) {
        ids.set(before, ids.get(before) + " " + note);
      }
    }

    private void defect(String kind, String jobId) {
      defects.merge(kind, 1, Integer::sum);
      CallerLog.Accepted job = jobId == null ? null : callers.accepted().get(jobId);
      byFeature.merge((job == null ? "other" : job.feature().name().toLowerCase()) + ": " + kind, 1, Integer::sum);
      List<String> ids = examples.computeIfAbsent(kind, k -> new ArrayList<>());
      if (ids.size() < 3) {
        ids.add(jobId == null ? "?" : jobId.length() > 16 ? jobId.substring(0, 16) : jobId);
      }
    }

    private List<JobStatus> events(String jobId) {
      return topics.statuses().getOrDefault(jobId, List.of());
    }

    private static List<JobStatus> terminals(List<JobStatus> events) {
      return events.stream().filter(e -> e != null && JobStates.isTerminal(e.getStatus())).toList();
    }

    void jobs() {
      for (String id : callers.acceptedIds()) {
        if (terminals(events(id)).isEmpty()) {
          defect("lost", id);
        }
      }
      for (Map.Entry<String, List<JobStatus>> job : topics.statuses().entrySet()) {
        String id = job.getKey();
        List<JobStatus> events = job.getValue();
        if (JobStates.distinctEnds(events).size() > 1) { // a restated end is the same ending
          defect("doubled", id);
        }
        JobStatus last = null;
        boolean ended = false;
        int highest = -1;
        boolean wentBack = false;
        for (JobStatus event : events) {
          if (event == null) {
            if (!ended) {
              defect("forgotten unfinished", id);
            }
            continue;
          }
          last = event;
          ended |= JobStates.isTerminal(event.getStatus());
          int rank = JobStates.rank(event.getStatus());
          if (rank < highest && event.getStatus() != JobState.Pending) {
            wentBack = true;
          }
          highest = Math.max(highest, rank);
        }
        if (wentBack) {
          defect("backwards", id);
        }
        if (startedBeforeDue(events)) {
          defect("started before due", id);
        }
        progress(id, events);
        if (last != null && !JobStates.isTerminal(last.getStatus())) {
          defect("stuck", id);
        }
      }
    }

    /** Progress reports come before the job's end (a task re-run elsewhere may report again from the start: not checked). */
    private void progress(String id, List<JobStatus> events) {
      boolean ended = false;
      boolean after = false;
      for (JobStatus event : events) {
        if (event == null) {
          continue;
        }
        if (event.getProgressDone() != null) {
          progressReports++;
          after |= ended;
        }
        ended |= JobStates.isTerminal(event.getStatus());
      }
      if (after) {
        defect("progress after its end", id);
      }
    }

    private static boolean startedBeforeDue(List<JobStatus> events) {
      long due = events.stream().filter(e -> e != null && e.getDueTime() != null).mapToLong(e -> e.getDueTime().toEpochMilli())
          .max().orElse(0);
      return events.stream().filter(e -> e != null && e.getStartedTime() != null)
          .anyMatch(e -> e.getStartedTime().toEpochMilli() < due);
    }

    /**
     * Every tick of a schedule from its first (the first after the create call answered) has exactly
     * one job, except while paused: a tick between a pause's answer and the resume call has none
     * (neither fired paused nor as backlog on resume), and the schedule continues with the tick after
     * the resume. A tick may lack its job only in the 30 s before a pause (or the run's end) with no
     * later tick fired before it: catch-up runs a missed tick once its owner is back, unless the
     * schedule is paused first. Ticks near a call's moment may go either way. Each tick's job ended.
     */
    void schedules() {
      callers.schedules().values().forEach(run -> {
        long every = run.every().toMillis();
        List<CallerLog.Pause> pauses = run.pauses();
        CallerLog.Pause last = pauses.isEmpty() ? null : pauses.get(pauses.size() - 1);
        boolean pausedForGood = last != null && last.resumeCalled() == Long.MAX_VALUE;
        long lastCall = last == null ? run.createdAt() : pausedForGood ? last.answered() : last.resumeAnswered();
        long horizon = Math.min(System.currentTimeMillis(), Math.max(callers.loadEnded(), lastCall) + 60_000);
        long ticking = pausedForGood ? last.called() : horizon; // after this, no job is owed
        for (long t = nextTick(run.createdAt() + CLOCK_TOLERANCE_MS, every); t <= horizon; t += every) {
          String id = JobIds.forScheduleTick(run.name(), t);
          int copies = topics.inputCopies().getOrDefault(id, 0);
          if (copies > 1) {
            defect("schedule tick with two jobs", id);
          } else if (copies == 1 && terminals(events(id)).isEmpty()) {
            defect("lost", id);
          }
          long tick = t;
          java.util.Optional<CallerLog.Pause> pausedAt = pauses.stream()
              .filter(p -> tick > p.answered() + CLOCK_TOLERANCE_MS && tick < p.resumeCalled()).findFirst();
          if (pausedAt.isPresent()) {
            if (copies > 0) { // say when it fired: while paused, or as backlog once resumed
              long fired = events(id).stream().filter(e -> e != null && e.getSubmittedTime() != null)
                  .mapToLong(e -> e.getSubmittedTime().toEpochMilli()).findFirst().orElse(0);
              defect("schedule tick while paused", id, fired == 0 ? "" : (fired >= pausedAt.get().resumeCalled() ? "fired on resume, " : "fired paused, ")
                  + "+" + (fired - pausedAt.get().answered()) + " ms after the pause answered");
            }
            continue;
          }
          if (copies > 0) {
            scheduledTicks++;
            if (pauses.stream().anyMatch(p -> p.resumeAnswered() != Long.MAX_VALUE && tick > p.resumeAnswered())) {
              ticksAfterResume++;
            }
            continue;
          }
          boolean nearACall = pauses.stream().anyMatch(p -> (tick >= p.called() && tick <= p.answered() + CLOCK_TOLERANCE_MS)
              || (tick >= p.resumeCalled() && tick <= p.resumeAnswered() + CLOCK_TOLERANCE_MS));
          if (!nearACall && !mayBeCaughtUpLater(run, tick, every, pauses, ticking)) {
            defect("schedule tick without a job", id);
          }
        }
      });
    }

    /** The first tick strictly after {@code afterMillis}, as schedules count them. */
    private static long nextTick(long afterMillis, long every) {
      return Math.floorDiv(afterMillis, every) * every + every;
    }

    /** A missed tick in the 30 s before a pause (or the end) with no later tick fired before it: its catch-up never came. */
    private boolean mayBeCaughtUpLater(CallerLog.ScheduleRun run, long tick, long every, List<CallerLog.Pause> pauses, long ticking) {
      long stop = pauses.stream().mapToLong(CallerLog.Pause::called).filter(c -> c > tick).min().orElse(ticking);
      if (tick < stop - 30_000) {
        return false;
      }
      for (long later = tick + every; later < stop; later += every) {
        if (topics.inputCopies().containsKey(JobIds.forScheduleTick(run.name(), later))) {
          return false;
        }
      }
      return true;
    }

    /**
     * All or nothing: an accepted batch has each of its jobs on the input topics once; a batch whose
     * call was refused has none; a batch on the topics that no caller was told of must match, in
     * size, a call whose outcome was unknown (one such call per batch).
     */
    void batches() {
      Map<String, Integer> onTopics = new HashMap<>(topics.inputBatches());
      List<Integer> inDoubtSizes = new ArrayList<>();
      for (CallerLog.BatchCall call : callers.batches()) {
        if (call.answer() == CallerLog.Answer.ACCEPTED) {
          Integer found = onTopics.remove(call.batchId());
          if (found == null || found != call.size()) {
            defect("batch not whole", call.batchId());
          }
          for (int i = 0; i < call.size(); i++) {
            String id = JobIds.forBatchEntry(call.batchId(), i);
            if (topics.inputCopies().getOrDefault(id, 0) != 1) {
              defect("batch not whole", id);
            }
          }
        } else if (call.answer() == CallerLog.Answer.OUTCOME_UNKNOWN) {
          if (call.batchId() != null && onTopics.containsKey(call.batchId())) {
            if (onTopics.remove(call.batchId()) != call.size()) {
              defect("batch not whole", call.batchId());
            }
          } else if (call.batchId() == null) {
            inDoubtSizes.add(call.size());
          }
        }
      }
      onTopics.forEach((batchId, jobs) -> {
        if (!inDoubtSizes.remove(jobs)) {
          defect(inDoubtSizes.isEmpty() ? "refused batch on the topics" : "batch not whole", batchId);
        }
      });
    }

    void outputs() {
      Map<String, Integer> outputs = new HashMap<>();
      topics.outputIds().forEach(id -> outputs.merge(id, 1, Integer::sum));
      outputs.forEach((id, n) -> {
        if (n > 1) {
          defect("duplicated output", id);
        }
        if (terminals(events(id)).stream().noneMatch(e -> e.getStatus() == JobState.Success)) {
          defect("output without Success", id);
        }
      });
      for (Map.Entry<String, List<JobStatus>> job : topics.statuses().entrySet()) {
        boolean success = terminals(job.getValue()).stream().anyMatch(e -> e.getStatus() == JobState.Success);
        if (success && !outputs.containsKey(job.getKey())) {
          defect("Success without output", job.getKey());
        }
        terminals(job.getValue()).stream().filter(e -> e.getStatus() == JobState.Success && e.getOutputOffsets() != null).findFirst()
            .ifPresent(end -> {
              locatedOutputs++;
              boolean own = end.getOutputOffsets().size() == end.getOutputCount() && end.getOutputOffsets().stream()
                  .allMatch(offset -> job.getKey().equals(topics.outputKeys().get(TopicHistory.at(end.getOutputPartition(), offset))));
              if (!own) {
                defect("Success names outputs not its own", job.getKey());
              }
            });
      }
    }

    void keyedRaces() {
      for (CallerLog.KeyedRace race : callers.races()) {
        if (race.allRefused()) {
          for (String id : race.candidateIds()) {
            if (topics.inputJobIds().contains(id) || topics.statuses().containsKey(id)) {
              defect("refused keyed job on the topics", id);
            }
          }
        }
      }
    }

    /**
     * An acknowledged cancel of a job not yet started means it never runs to Success; a cancel
     * answered Pending (a parked job's, too) says the job had not started, so it must never start.
     */
    void cancels() {
      callers.cancelsAcknowledged().forEach((id, acknowledgedAt) -> {
        List<JobStatus> events = events(id).stream().filter(Objects::nonNull).toList();
        long firstStart = events.stream().map(JobStatus::getStartedTime).filter(Objects::nonNull)
            .mapToLong(Instant::toEpochMilli).min().orElse(Long.MAX_VALUE);
        boolean success = terminals(events).stream().anyMatch(e -> e.getStatus() == JobState.Success);
        if (success && firstStart > acknowledgedAt) {
          defect("Success after acknowledged cancel", id);
        }
        if (callers.cancelAnswers().get(id) == statusenum.Pending) {
          starts(events).filter(start -> start > acknowledgedAt + CLOCK_TOLERANCE_MS).findFirst()
              .ifPresent(start -> defect("started after a cancel answered Pending", id, "+" + (start - acknowledgedAt) + " ms"));
        }
      });
    }

    /**
     * When a job was started: each run's start on a worker (started_time, which every later status
     * of that run carries; a retry within the run keeps it). Not the Processing status's own time:
     * a worker stamps a status when it writes it, which may be a commit later.
     */
    private static java.util.stream.LongStream starts(List<JobStatus> events) {
      return events.stream().filter(e -> e != null && e.getStartedTime() != null).mapToLong(e -> e.getStartedTime().toEpochMilli())
          .distinct();
    }

    /** No job of a paused task starts between the pause call's answer and the resume call. */
    void pausedTasks() {
      callers.taskPauses().forEach((task, pauses) -> topics.statuses().forEach((id, events) -> {
        if (events.stream().noneMatch(e -> e != null && task.equals(e.getTask()))) {
          return;
        }
        pausedStartsChecked++;
        for (CallerLog.Pause pause : pauses) {
          java.util.OptionalLong paused = starts(events)
              .filter(start -> start > pause.answered() + CLOCK_TOLERANCE_MS && start < pause.resumeCalled()).findFirst();
          if (paused.isPresent()) {
            defect("started while its task was paused", id, "+" + (paused.getAsLong() - pause.answered()) + " ms after the pause answered");
            return;
          }
        }
      }));
    }

    /** One run of a job on one worker, from its start to when it freed its slot (as far as the topic tells). */
    private record Attempt(String jobId, String worker, long start, long end) {}

    /**
     * At most the limit of a limited task's jobs run at once on each worker. A run is known from its
     * start (started_time) to the end the same worker wrote; a run taken over by another worker (its
     * first worker killed or frozen) has no known end and is left out. An end is stamped when it is
     * written, up to a commit after the slot was freed, so a run counts as ended at the earlier of
     * its stamp less the clock tolerance and its start plus the least time its jobs hold a slot
     * (the load's: until their task deadline). This undercounts, never overcounts.
     */
    void limits() {
      callers.taskLimits().forEach((task, limit) -> {
        Map<String, List<Attempt>> byWorker = new HashMap<>();
        topics.statuses().forEach((id, events) -> attempts(id, events, task).stream()
            .filter(a -> a.start() > limit.answeredAt() + CLOCK_TOLERANCE_MS)
            .forEach(a -> byWorker.computeIfAbsent(a.worker(), w -> new ArrayList<>()).add(a)));
        byWorker.forEach((worker, attempts) -> {
          limitedAttempts += attempts.size();
          List<long[]> moments = new ArrayList<>(); // {time, +1 start / -1 end, index}
          for (int i = 0; i < attempts.size(); i++) {
            Attempt attempt = attempts.get(i);
            long end = Math.min(attempt.end() - CLOCK_TOLERANCE_MS, attempt.start() + limit.minHoldMillis());
            moments.add(new long[] {attempt.start(), 1, i});
            moments.add(new long[] {Math.max(attempt.start(), end), -1, i});
          }
          moments.sort(java.util.Comparator.<long[]>comparingLong(m -> m[0]).thenComparingLong(m -> m[1])); // ends first
          int running = 0;
          for (long[] moment : moments) {
            running += (int) moment[1];
            if (moment[1] > 0 && running == limit.concurrency()) {
              atTheLimit++;
            } else if (moment[1] > 0 && running > limit.concurrency()) {
              defect("more running than the task's limit", attempts.get((int) moment[2]).jobId(), running + " on " + worker);
            }
          }
        });
      });
    }

    /** The job's runs that ended on the worker that ran them: each (worker, start) once. */
    private static List<Attempt> attempts(String id, List<JobStatus> events, String task) {
      Map<String, Attempt> runs = new LinkedHashMap<>();
      for (JobStatus event : events) {
        if (event != null && task.equals(event.getTask()) && JobStates.isTerminal(event.getStatus()) && event.getStartedTime() != null) {
          long start = event.getStartedTime().toEpochMilli();
          runs.putIfAbsent(event.getWorker() + "@" + start, new Attempt(id, event.getWorker(), start, event.getTime().toEpochMilli()));
        }
      }
      return List.copyOf(runs.values());
    }

    /**
     * A cancel-all or replay-all answer holds against its audit entry (the same counts) and the
     * topics: cancel-all matched no more jobs than the topics hold for its filter, and at least the
     * load's own jobs of its window that had not ended when it was answered (a gateway frozen with
     * the call in its socket carries it out when it wakes, after jobs that ended meanwhile: those
     * may go either way); every job a replay-all
     * names is named by a "replayed" marker, and it names all it replayed (up to its preview of 100).
     */
    void bulkActions() {
      Set<String> replayJobs = new java.util.HashSet<>();
      topics.replayedAs().values().forEach(replayJobs::addAll);
      for (CallerLog.BulkAction action : callers.bulkActions()) {
        String name = action.action() + " " + action.target();
        List<TopicHistory.AuditEntry> entries = topics.audit().stream()
            .filter(e -> action.action().equals(e.action()) && action.target().equals(e.target())).toList();
        if (entries.size() != 1 || !numbers(entries.get(0).detail()).equals(action.counts())) {
          defect("bulk action unlike its audit entry", name, entries.isEmpty() ? "(none)" : entries.toString());
        }
        if (action.action().equals("bulk cancel")) {
          long inWindow = topics.statuses().values().stream().filter(events -> events.stream().anyMatch(e -> e != null
              && action.task().equals(e.getTask()) && e.getSubmittedTime() != null && e.getSubmittedTime().toEpochMilli() >= action.since()
              && e.getSubmittedTime().toEpochMilli() < action.until())).count();
          long ownUnfinished = action.jobIds().stream().filter(id -> terminals(events(id)).stream()
              .allMatch(e -> e.getTime().toEpochMilli() > action.answeredAt() + CLOCK_TOLERANCE_MS)).count();
          if (action.matched() > inWindow || action.matched() < ownUnfinished) {
            defect("bulk action unlike the topics", name, "matched " + action.matched() + ", topics " + inWindow + ", own " + ownUnfinished
                + " " + ownJobs(action));
          }
        } else {
          long replayed = action.counts().get(0);
          boolean allNamed = replayJobs.containsAll(action.jobIds());
          if (!allNamed || (replayed <= 100 && action.jobIds().size() != replayed)) {
            defect("bulk action unlike the topics", name, "replayed " + replayed + ", named " + action.jobIds().size());
          }
        }
      }
    }

    /**
     * Read answers asked once the pipeline settled agree with the final topics: a job's status is
     * its end (or its last status); a batch's counts are its jobs' on the topics; a Success's
     * outputs are its records on the output topic; a running job's progress is the topic's last
     * report, and an ended job's answer carries none.
     * A job retention forgot (a tombstone) is not compared. cancelBatch's total is its batch's size.
     */
    void endAnswers() {
      for (CallerLog.EndAnswer answer : callers.endAnswers()) {
        boolean agrees = switch (answer.call()) {
          case "cancelBatch" -> answer.number() == topics.inputBatches().getOrDefault(answer.id(), 0);
          case "batchStatus" -> batchAgrees(answer);
          case "jobOutputs" -> forgotten(answer.id()) || (answer.status().equals(String.valueOf(finalState(answer.id())))
              && (!answer.status().equals("Success") || answer.number() == topics.outputIds().stream().filter(answer.id()::equals).count()));
          case "progress" -> forgotten(answer.id()) || (answer.status().equals(String.valueOf(finalState(answer.id())))
              && answer.number() == (JobStates.isTerminal(JobState.valueOf(answer.status())) ? -1 // an end carries none (protocol.md)
                  : events(answer.id()).stream().filter(e -> e != null && e.getProgressDone() != null)
                      .mapToLong(JobStatus::getProgressDone).reduce((a, b) -> b).orElse(-1)));
          default -> forgotten(answer.id()) || answer.status().equals(String.valueOf(finalState(answer.id()))); // batchJobs, ListJobs
        };
        endAnswersChecked++;
        if (!agrees) {
          defect("answer unlike the final topics", answer.id(), answer.call() + " " + answer.status() + " " + answer.number());
        }
      }
    }

    /** A batch's count agrees with its jobs on the topics (not compared once retention forgot any of them). */
    private boolean batchAgrees(CallerLog.EndAnswer answer) {
      int size = topics.inputBatches().getOrDefault(answer.id(), 0);
      List<String> ids = java.util.stream.IntStream.range(0, size).mapToObj(i -> JobIds.forBatchEntry(answer.id(), i)).toList();
      if (ids.stream().anyMatch(this::forgotten)) {
        return true;
      }
      return answer.number() == (answer.status().equals("total") ? size
          : ids.stream().filter(id -> answer.status().equals(String.valueOf(finalState(id)))).count());
    }

    private boolean forgotten(String id) {
      return events(id).contains(null);
    }

    /** A job's end (the first, as views keep it), else its last status; null if none. */
    private JobState finalState(String id) {
      List<JobStatus> ends = terminals(events(id));
      if (!ends.isEmpty()) {
        return ends.get(0).getStatus();
      }
      return events(id).stream().filter(Objects::nonNull).map(JobStatus::getStatus).reduce((a, b) -> b).orElse(null);
    }

    /** The cancel-all's own jobs as the topics tell them, times from the call: evidence for a report. */
    private String ownJobs(CallerLog.BulkAction action) {
      List<String> jobs = new ArrayList<>();
      for (String id : action.jobIds()) {
        List<JobStatus> events = events(id).stream().filter(Objects::nonNull).toList();
        String submitted = events.stream().filter(e -> e.getSubmittedTime() != null).findFirst()
            .map(e -> "submitted " + (e.getSubmittedTime().toEpochMilli() - action.calledAt()) + " ms").orElse("no submit time");
        String end = terminals(events).stream().findFirst().map(e -> e.getStatus() + (e.getErrorReason() == null ? "" : " " + e.getErrorReason())
            + " stamped " + (e.getTime().toEpochMilli() - action.calledAt()) + " ms, started "
            + (e.getStartedTime() == null ? "never" : (e.getStartedTime().toEpochMilli() - action.calledAt()) + " ms")).orElse("no end");
        jobs.add(id.substring(0, Math.min(12, id.length())) + ": " + submitted + ", " + end);
      }
      return "(called " + Instant.ofEpochMilli(action.calledAt()) + ", answered +" + (action.answeredAt() - action.calledAt()) + " ms, window "
          + (action.since() - action.calledAt()) + ".." + (action.until() - action.calledAt()) + " ms; own " + jobs + ")";
    }

    private static List<Long> numbers(String detail) {
      List<Long> numbers = new ArrayList<>();
      java.util.regex.Matcher number = java.util.regex.Pattern.compile("\\d+").matcher(detail == null ? "" : detail);
      while (number.find()) {
        numbers.add(Long.parseLong(number.group()));
      }
      return numbers;
    }

    void replays() {
      callers.replays().forEach((ref, ids) -> {
        Set<String> onTopic = topics.replayedAs().getOrDefault(ref, Set.of());
        if (ids.size() > 1 || onTopic.size() > 1) {
          defect("replayed more than once", ref);
        }
      });
      topics.replayedAs().forEach((ref, onTopic) -> { // dead letters only replay-all reached
        if (!callers.replays().containsKey(ref) && onTopic.size() > 1) {
          defect("replayed more than once", ref);
        }
      });
    }

    void streams() {
      for (CallerLog.StreamSeen stream : callers.streams()) {
        int highest = -1;
        for (statusenum status : stream.statuses()) {
          int rank = rank(status);
          if (rank < highest) {
            defect("stream went backwards", stream.jobId());
            break;
          }
          highest = rank;
        }
        if (stream.completed()) {
          List<JobStatus> terminals = terminals(events(stream.jobId()));
          statusenum seen = stream.statuses().get(stream.statuses().size() - 1);
          if (terminals.isEmpty() || !terminals.get(0).getStatus().name().equals(seen.name())) {
            defect("stream ended unlike the topic", stream.jobId());
          }
        }
      }
    }

    void monitors() {
      for (CallerLog.MonitorAnswer answer : callers.monitors()) {
        List<JobStatus> events = events(answer.jobId());
        if (answer.status() == null) {
          if (!events.contains(null)) { // NOT_FOUND is right only for a job retention forgot
            defect("Monitor disagrees with the topic", answer.jobId());
          }
          continue;
        }
        boolean seen = events.stream().anyMatch(e -> e != null && e.getStatus().name().equals(answer.status().name()));
        List<JobStatus> terminals = terminals(events);
        boolean terminalMatches = !JobStates.isTerminal(JobState.valueOf(answer.status().name()))
            || (!terminals.isEmpty() && terminals.get(0).getStatus().name().equals(answer.status().name()));
        if (!(seen || answer.status() == statusenum.Pending) || !terminalMatches) {
          defect("Monitor disagrees with the topic", answer.jobId());
        }
      }
    }

    private static int rank(statusenum status) {
      return JobStates.rank(JobState.valueOf(status.name()));
    }

    /** Per feature: jobs accepted and calls refused; then how often each fault path was taken. */
    Map<String, Integer> exercised() {
      Map<String, Integer> counts = new LinkedHashMap<>();
      for (Feature feature : Feature.values()) {
        int accepted = (int) callers.accepted().values().stream().filter(a -> a.feature() == feature).count();
        if (accepted > 0 || callers.refusedCount(feature) > 0) {
          counts.put(feature.name().toLowerCase() + " accepted", accepted);
          counts.put(feature.name().toLowerCase() + " refused", callers.refusedCount(feature));
        }
      }
      counts.put("answered outcome-unknown", callers.inDoubt().size());
      counts.put("keyed races", callers.races().size());
      counts.put("keyed races accepted on both replicas",
          (int) callers.races().stream().filter(r -> r.answers().stream().allMatch(a -> a == CallerLog.Answer.ACCEPTED)).count());
      counts.put("cancels acknowledged", callers.cancelsAcknowledged().size());
      counts.put("cancels answered Pending", (int) callers.cancelAnswers().values().stream().filter(a -> a == statusenum.Pending).count());
      counts.put("task pauses", callers.taskPauses().values().stream().mapToInt(List::size).sum());
      counts.put("jobs of paused tasks checked", pausedStartsChecked);
      counts.put("limited task attempts", limitedAttempts);
      counts.put("limited task at its limit on a worker", atTheLimit);
      counts.put("cancel-all calls", (int) callers.bulkActions().stream().filter(a -> a.action().equals("bulk cancel")).count());
      counts.put("replay-all calls", (int) callers.bulkActions().stream().filter(a -> a.action().equals("bulk replay")).count());
      counts.put("jobs replayed by replay-all", callers.bulkActions().stream().filter(a -> a.action().equals("bulk replay"))
          .mapToInt(a -> a.jobIds().size()).sum());
      counts.put("schedule pauses resumed", callers.schedules().values().stream()
          .mapToInt(r -> (int) r.pauses().stream().filter(p -> p.resumeCalled() != Long.MAX_VALUE).count()).sum());
      counts.put("status events only in the raw history", topics.rawOnly());
      counts.put("read answers held against the final topics", endAnswersChecked);
      counts.put("replay calls", callers.replayCalls());
      counts.put("dead letters replayed", callers.replays().size());
      counts.put("streams followed", callers.streams().size());
      counts.put("streams completed", (int) callers.streams().stream().filter(CallerLog.StreamSeen::completed).count());
      counts.put("Monitor answers", callers.monitors().size());
      counts.put("batches accepted", (int) callers.batches().stream().filter(b -> b.answer() == CallerLog.Answer.ACCEPTED).count());
      counts.put("batches refused", (int) callers.batches().stream().filter(b -> b.answer() == CallerLog.Answer.REFUSED).count());
      counts.put("batches in doubt", (int) callers.batches().stream().filter(b -> b.answer() == CallerLog.Answer.OUTCOME_UNKNOWN).count());
      counts.put("batches cancelled", callers.batchCancels().size());
      counts.put("slowly streamed batches accepted", callers.slowBatches());
      int retried = 0;
      int timedOut = 0;
      int processing = 0;
      int cancelled = 0;
      int forgotten = 0;
      int delayedRun = 0;
      int delayedCancelled = 0;
      int bulkRun = 0;
      int batchJobsCancelled = 0;
      for (List<JobStatus> events : topics.statuses().values()) {
        if (events.stream().anyMatch(e -> e != null && e.getAttempt() > 1)) {
          retried++;
        }
        if (events.stream().anyMatch(e -> e != null && e.getStatus() == JobState.Processing)) {
          processing++;
        }
        if (events.stream().anyMatch(e -> e != null && e.getErrorReason() != null && e.getErrorReason().startsWith("timed out"))) {
          timedOut++;
        }
        if (events.stream().anyMatch(e -> e != null && "cancelled".equals(e.getErrorReason()))) {
          cancelled++;
        }
        if (events.contains(null)) {
          forgotten++;
        }
        boolean delayed = events.stream().anyMatch(e -> e != null && e.getDueTime() != null);
        if (delayed && events.stream().anyMatch(e -> e != null && e.getStartedTime() != null)) {
          delayedRun++;
        }
        if (delayed && events.stream().anyMatch(e -> e != null && e.getStartedTime() == null && "cancelled".equals(e.getErrorReason()))) {
          delayedCancelled++;
        }
        if (events.stream().anyMatch(e -> e != null && "bulk".equals(e.getPriority()) && e.getStartedTime() != null)) {
          bulkRun++;
        }
        if (events.stream().anyMatch(e -> e != null && e.getBatchId() != null && "cancelled".equals(e.getErrorReason()))) {
          batchJobsCancelled++;
        }
      }
      counts.put("jobs retried", retried);
      counts.put("jobs with Processing", processing);
      counts.put("jobs past their deadline", timedOut);
      counts.put("jobs cancelled", cancelled);
      counts.put("dead letters on the topic", topics.deadLetters());
      counts.put("jobs forgotten by retention", forgotten);
      counts.put("delayed jobs run", delayedRun);
      counts.put("schedule ticks with a job", scheduledTicks);
      counts.put("schedule ticks after a resume", ticksAfterResume);
      counts.put("delayed jobs cancelled before due", delayedCancelled);
      counts.put("bulk jobs run", bulkRun);
      counts.put("batch jobs cancelled", batchJobsCancelled);
      counts.put("Successes naming their outputs", locatedOutputs);
      counts.put("progress reports", progressReports);
      counts.put("parked jobs cancelled", (int) topics.parkedJobIds().stream()
          .filter(id -> events(id).stream().anyMatch(e -> e != null && "cancelled".equals(e.getErrorReason()))).count());
      // Jobs parked while their task was paused, that ended since (each once: the checks above hold them too).
      counts.put("parked jobs ended", (int) topics.parkedJobIds().stream()
          .filter(id -> topics.statuses().getOrDefault(id, List.of()).stream().anyMatch(e -> e != null && JobStates.isTerminal(e.getStatus())))
          .count());
      return counts;
    }
  }
}
