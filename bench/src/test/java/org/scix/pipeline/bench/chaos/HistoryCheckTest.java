package org.scix.pipeline.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.bench.chaos.CallerLog.Answer;
import org.scix.pipeline.bench.chaos.CallerLog.Feature;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.TestStatuses;

/** Each defect class is counted from a small history built to show it, and a clean history counts nothing. */
class HistoryCheckTest {
  private final Map<String, List<JobStatus>> statuses = new HashMap<>();
  private final List<String> outputs = new ArrayList<>();
  private final CallerLog callers = new CallerLog();

  /** One event per state, each a moment after the one before (two ends of a job are two different events). */
  private void events(String job, JobState... states) {
    for (JobState state : states) {
      List<JobStatus> events = statuses.computeIfAbsent(job, k -> new ArrayList<>());
      events.add(TestStatuses.of(job, state).task("SYMBOL3").at(1_000 + events.size()).build());
    }
  }

  private void tombstone(String job) {
    statuses.computeIfAbsent(job, k -> new ArrayList<>()).add(null);
  }

  private HistoryCheck.Result check() {
    return HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of()), callers);
  }

  @Test
  void aCleanHistoryCountsNothing() {
    events("a", JobState.Pending, JobState.Processing, JobState.Pending, JobState.Success); // a raced key's second Pending
    outputs.add("a");
    tombstone("a");
    callers.accepted(Feature.KEYED_RACE, "a");
    callers.stream(new CallerLog.StreamSeen("a", List.of(statusenum.Pending, statusenum.Processing, statusenum.Success), true));
    callers.monitor(new CallerLog.MonitorAnswer("a", statusenum.Processing));
    callers.monitor(new CallerLog.MonitorAnswer("a", null)); // forgotten by retention
    callers.replay("0-1", "a");
    callers.replay("0-1", "a");
    callers.replay("0-1", null);

    HistoryCheck.Result result = check();
    assertThat(result.defects()).allSatisfy((defect, n) -> assertThat(n).as(defect).isZero());
    assertThat(result.clean()).isTrue();
  }

  /**
   * A gateway that read a late duplicate Pending after a job's end writes that very end again: the
   * job ended once, and the copy puts its end back last. A second, different end is still doubled.
   */
  @Test
  void aRestatedEndIsOneEndingAndPutsTheEndLast() {
    java.util.function.Supplier<JobStatus> end =
        () -> TestStatuses.of("restated", JobState.Error).writer("w-1").attempt(2).reason("boom").at(5_000).build();
    statuses.put("restated", new ArrayList<>(List.of(TestStatuses.of("restated", JobState.Pending).at(1_000).build(), end.get(),
        TestStatuses.of("restated", JobState.Pending).at(6_000).build(), end.get())));
    events("ended-twice", JobState.Pending, JobState.Error, JobState.Error);

    HistoryCheck.Result result = check();
    assertThat(result.count("doubled")).isEqualTo(1); // ended-twice only
    assertThat(result.count("stuck")).isZero();
    assertThat(result.count("backwards")).isZero();
  }

  /** A delayed job a worker started before its run-at time is a defect; one started at or after it is not. */
  @Test
  void aDelayedJobStartedBeforeItsDueTimeIsCounted() {
    for (String job : List.of("early", "on-time")) {
      long started = job.equals("early") ? 4_999 : 5_000;
      JobStatus pending = TestStatuses.of(job, JobState.Pending).at(1_000).build();
      pending.setDueTime(java.time.Instant.ofEpochMilli(5_000));
      JobStatus success = TestStatuses.of(job, JobState.Success).at(6_000).build();
      success.setStartedTime(java.time.Instant.ofEpochMilli(started));
      statuses.put(job, new ArrayList<>(List.of(pending, success)));
      outputs.add(job);
      callers.accepted(Feature.DELAYED, job);
    }

    HistoryCheck.Result result = check();
    assertThat(result.count("started before due")).isEqualTo(1);
    assertThat(result.examples().get("started before due")).containsExactly("early");
    assertThat(result.exercised().get("delayed jobs run")).isEqualTo(2);
  }

  /** Between a schedule's first and last job every tick has exactly one job: a gap and a doubled tick are each counted. */
  @Test
  void aScheduleTickWithoutAJobOrWithTwoIsCounted() {
    callers.scheduleCreated("s", java.time.Duration.ofSeconds(2), 1_000);
    callers.schedulePaused("s", 11_000);
    Map<String, Integer> copies = new HashMap<>();
    for (long tick = 2_000; tick <= 10_000; tick += 2_000) {
      String id = org.scix.pipeline.core.job.JobIds.forScheduleTick("s", tick);
      if (tick != 6_000) {
        copies.put(id, tick == 8_000 ? 2 : 1);
        events(id, JobState.Pending, JobState.Success);
        outputs.add(id);
      }
    }
    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(), copies, Map.of(), Map.of(), Set.of()),
        callers);
    assertThat(result.count("schedule tick without a job")).isEqualTo(1);
    assertThat(result.count("schedule tick with two jobs")).isEqualTo(1);
    assertThat(result.exercised().get("schedule ticks with a job")).isEqualTo(4);
  }

  /**
   * All or nothing: an accepted batch with a job missing from the input topics, a batch on the
   * topics no call accepted (all refused), and one whose size matches no call left in doubt are
   * each counted; a whole accepted batch and a batch that matches an in-doubt call are not.
   */
  @Test
  void aBatchThatIsNotWholeOrThatNoCallAcceptedIsCounted() {
    Map<String, Integer> copies = new HashMap<>();
    Map<String, Integer> batches = new HashMap<>();
    java.util.function.BiConsumer<String, Integer> onTopics = (batch, jobs) -> {
      batches.put(batch, jobs);
      for (int i = 0; i < jobs; i++) {
        String id = org.scix.pipeline.core.job.JobIds.forBatchEntry(batch, i);
        copies.put(id, 1);
        events(id, JobState.Pending, JobState.Success);
        outputs.add(id);
      }
    };
    String whole = "0".repeat(32);
    String partial = "1".repeat(32);
    String inDoubt = "2".repeat(32);
    onTopics.accept(whole, 3);
    callers.batch(new CallerLog.BatchCall(whole, 3, Answer.ACCEPTED));
    onTopics.accept(partial, 2); // its call was told 3 jobs
    callers.batch(new CallerLog.BatchCall(partial, 3, Answer.ACCEPTED));
    onTopics.accept(inDoubt, 4); // a call broke off before its answer: it may have committed
    callers.batch(new CallerLog.BatchCall(null, 4, Answer.OUTCOME_UNKNOWN));
    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(), copies, batches, Map.of(), Set.of()),
        callers);
    assertThat(result.count("batch not whole")).isEqualTo(2); // the batch, and its missing job
    assertThat(result.count("refused batch on the topics")).isZero();

    onTopics.accept("3".repeat(32), 5); // no call in doubt is left to account for it
    callers.batch(new CallerLog.BatchCall(null, 5, Answer.REFUSED));
    result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(), copies, batches, Map.of(), Set.of()), callers);
    assertThat(result.count("refused batch on the topics")).isEqualTo(1);
    assertThat(result.exercised().get("batches accepted")).isEqualTo(2);
  }

  /** A Success whose output location (results by job id) points at another job's record is counted; one pointing at its own is not. */
  @Test
  void aSuccessNamingOutputsThatAreNotItsOwnIsCounted() {
    for (String job : List.of("right", "wrong")) {
      JobStatus success = TestStatuses.of(job, JobState.Success).at(2_000).build();
      success.setOutputPartition(0);
      success.setOutputCount(1);
      success.setOutputOffsets(List.of(job.equals("right") ? 7L : 8L));
      statuses.put(job, new ArrayList<>(List.of(success)));
      outputs.add(job);
    }
    Map<String, String> outputKeys = Map.of(TopicHistory.at(0, 7), "right", TopicHistory.at(0, 8), "someone-else");
    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(),
        Map.of("right", 1, "wrong", 1), Map.of(), outputKeys, Set.of()), callers);
    assertThat(result.count("Success names outputs not its own")).isEqualTo(1);
    assertThat(result.examples().get("Success names outputs not its own")).containsExactly("wrong");
    assertThat(result.exercised().get("Successes naming their outputs")).isEqualTo(2);
  }

  /** A progress report written after the job's end is counted; one before it is not. */
  @Test
  void progressAfterAJobsEndIsCounted() {
    for (String job : List.of("in-order", "late")) {
      JobStatus progress = TestStatuses.of(job, JobState.Processing).at(1_500).build();
      progress.setProgressDone(3L);
      JobStatus end = TestStatuses.of(job, JobState.Success).at(2_000).build();
      statuses.put(job, new ArrayList<>(job.equals("late") ? List.of(end, progress) : List.of(progress, end)));
      outputs.add(job);
    }
    HistoryCheck.Result result = check();
    assertThat(result.count("progress after its end")).isEqualTo(1);
    assertThat(result.examples().get("progress after its end")).containsExactly("late");
    assertThat(result.exercised().get("progress reports")).isEqualTo(2);
  }

  @Test
  void eachJobDefectIsCounted() {
    events("lost", JobState.Pending);
    events("doubled", JobState.Pending, JobState.Success, JobState.Success);
    outputs.addAll(List.of("doubled", "doubled", "orphan"));
    events("backwards", JobState.Pending, JobState.Error, JobState.Processing);
    events("forgotten", JobState.Pending);
    tombstone("forgotten");
    events("no-output", JobState.Success);
    callers.accepted(Feature.PLAIN, "lost");
    callers.accepted(Feature.PLAIN, "never-written");

    HistoryCheck.Result result = check();
    assertThat(result.count("lost")).isEqualTo(2);
    assertThat(result.count("doubled")).isEqualTo(1);
    assertThat(result.count("stuck")).isEqualTo(3); // lost, backwards (ends Processing), forgotten (last event Pending)
    assertThat(result.count("backwards")).isEqualTo(1);
    assertThat(result.count("forgotten unfinished")).isEqualTo(1);
    assertThat(result.count("duplicated output")).isEqualTo(1);
    assertThat(result.count("output without Success")).isEqualTo(1);
    assertThat(result.count("Success without output")).isEqualTo(1);
    assertThat(result.summary()).contains("2 lost", "1 doubled");
    assertThat(result.defectsByFeature()).containsEntry("plain: lost", 2).containsEntry("other: doubled", 1);
  }

  @Test
  void eachCallerDefectIsCounted() {
    events("refused-but-there", JobState.Pending, JobState.Error);
    callers.race(new CallerLog.KeyedRace("k", Set.of("refused-but-there"), List.of(Answer.REFUSED, Answer.REFUSED)));
    callers.race(new CallerLog.KeyedRace("k2", Set.of("refused-but-there"), List.of(Answer.REFUSED, Answer.OUTCOME_UNKNOWN)));

    statuses.put("cancelled-late", new ArrayList<>(Arrays.asList(
        TestStatuses.of("cancelled-late", JobState.Pending).attempt(0).writer("gw").build(),
        TestStatuses.of("cancelled-late", JobState.Success).startedAt(2000).build())));
    outputs.add("cancelled-late");
    callers.cancelAcknowledged("cancelled-late", 1000);

    callers.replay("0-7", "x");
    callers.replay("0-7", "y");

    events("streamed", JobState.Pending, JobState.Processing, JobState.Error);
    callers.stream(new CallerLog.StreamSeen("streamed", List.of(statusenum.Processing, statusenum.Pending), false));
    callers.stream(new CallerLog.StreamSeen("streamed", List.of(statusenum.Pending, statusenum.Success), true));
    callers.monitor(new CallerLog.MonitorAnswer("streamed", statusenum.Success));
    callers.monitor(new CallerLog.MonitorAnswer("streamed", null)); // NOT_FOUND, but it was never forgotten

    HistoryCheck.Result result = check();
    assertThat(result.count("refused keyed job on the topics")).isEqualTo(1); // the race with an unknown answer proves nothing
    assertThat(result.count("Success after acknowledged cancel")).isEqualTo(1);
    assertThat(result.count("replayed more than once")).isEqualTo(1);
    assertThat(result.count("stream went backwards")).isEqualTo(1);
    assertThat(result.count("stream ended unlike the topic")).isEqualTo(1);
    assertThat(result.count("Monitor disagrees with the topic")).isEqualTo(2);
  }

  private JobStatus status(String job, JobState state, String task, String worker, long at) {
    return TestStatuses.of(job, state).task(task).writer(worker).at(at).build();
  }

  /** A status of a run that started at {@code started} (its started_time), stamped at {@code at}. */
  private JobStatus run(String job, JobState state, String task, String worker, long started, long at) {
    return TestStatuses.of(job, state).task(task).writer(worker).startedAt(started).at(at).build();
  }

  /**
   * A job of a paused task whose run started after the pause call answered (past the clock
   * tolerance) and before the resume call is counted; one started before the pause (its retry
   * and a late-stamped Processing during it too), within the tolerance, after the resume call, or
   * of another task is not.
   */
  @Test
  void aJobOfAPausedTaskStartedAfterThePauseAnsweredIsCounted() {
    callers.taskPaused("SYMBOL3", 4_900, 5_000);
    callers.taskResumed("SYMBOL3", 8_000, 8_050);
    Map<String, Long> starts = Map.of("before", 4_900L, "within-tolerance", 5_000L + HistoryCheck.CLOCK_TOLERANCE_MS,
        "paused", 6_000L, "after-resume", 8_010L);
    starts.forEach((job, start) -> {
      statuses.put(job, new ArrayList<>(List.of(status(job, JobState.Pending, "SYMBOL3", "gw", 1_000),
          run(job, JobState.Processing, "SYMBOL3", "w-0", start, start + 600), // stamped when written, a commit later
          run(job, JobState.Success, "SYMBOL3", "w-0", start, start + 700))));
      outputs.add(job);
    });
    statuses.put("retried", new ArrayList<>(List.of(run("retried", JobState.Processing, "SYMBOL3", "w-0", 4_800, 4_800),
        TestStatuses.of("retried", JobState.Processing).task("SYMBOL3").writer("w-0").attempt(2).startedAt(4_800).at(6_000).build(),
        run("retried", JobState.Success, "SYMBOL3", "w-0", 4_800, 6_100))));
    outputs.add("retried");
    statuses.put("other-task", new ArrayList<>(List.of(run("other-task", JobState.Processing, "SYMBOL1", "w-0", 6_000, 6_000),
        run("other-task", JobState.Success, "SYMBOL1", "w-0", 6_000, 6_100))));
    outputs.add("other-task");

    HistoryCheck.Result result = check();
    assertThat(result.count("started while its task was paused")).isEqualTo(1);
    assertThat(result.examples().get("started while its task was paused")).singleElement().asString().startsWith("paused +1000 ms");
    assertThat(result.clean()).isFalse();
    assertThat(result.exercised()).containsEntry("task pauses", 1);
  }

  /**
   * A cancel answered Pending (a parked job's cancel) says the job had not started: a later start
   * is counted, and its Success after the acknowledged cancel too; a job that had started before
   * the answer (its Processing not yet seen by the gateway) is not.
   */
  @Test
  void aJobStartedAfterItsCancelWasAnsweredPendingIsCounted() {
    for (String job : List.of("started-later", "started-before")) {
      long start = job.equals("started-later") ? 3_000 : 1_900;
      statuses.put(job, new ArrayList<>(List.of(status(job, JobState.Pending, "SYMBOL3", "gw", 1_000),
          TestStatuses.of(job, JobState.Processing).task("SYMBOL3").at(start).startedAt(start).build(),
          TestStatuses.of(job, JobState.Success).task("SYMBOL3").at(start + 100).startedAt(start).build())));
      outputs.add(job);
      callers.accepted(Feature.CANCEL_PARKED, job);
      callers.cancelAcknowledged(job, 2_000, statusenum.Pending);
    }

    HistoryCheck.Result result = check();
    assertThat(result.count("started after a cancel answered Pending")).isEqualTo(1);
    assertThat(result.count("Success after acknowledged cancel")).isEqualTo(1);
    assertThat(result.examples().get("started after a cancel answered Pending")).containsExactly("started-later +1000 ms");
    assertThat(result.defectsByFeature()).containsEntry("cancel_parked: started after a cancel answered Pending", 1);
    assertThat(result.exercised()).containsEntry("cancels answered Pending", 2);
  }

  /**
   * On one worker, a third run of a task limited to 2 started while two others still run is
   * counted; two at once on another worker are not, nor a run whose end another worker wrote
   * (taken over: its first worker's end is unknown), nor one started in the slot of a run whose
   * end was stamped late (a commit after its slot was freed).
   */
  @Test
  void moreRunsThanTheTasksLimitOnOneWorkerAreCounted() {
    callers.taskLimited("SYMBOL2", 2, 500, 1_000); // each run holds its slot at least 1 s
    java.util.function.BiConsumer<String, long[]> ran = (jobAndWorker, span) -> {
      String[] parts = jobAndWorker.split("@");
      statuses.put(parts[0], new ArrayList<>(List.of(run(parts[0], JobState.Processing, "SYMBOL2", parts[1], span[0], span[0]),
          run(parts[0], JobState.Error, "SYMBOL2", parts[1], span[0], span[1]))));
    };
    ran.accept("a@w-0", new long[] {1_000, 3_000}); // its end stamped late: it held its slot until 2,000 at least
    ran.accept("b@w-0", new long[] {1_500, 2_600});
    ran.accept("c@w-0", new long[] {2_100, 3_200}); // a's slot: a may have freed it at 2,000
    ran.accept("d@w-0", new long[] {2_200, 3_300}); // the third at once: b and c hold theirs at least until 2,500 and 3,100
    ran.accept("e@w-1", new long[] {1_000, 2_000});
    ran.accept("f@w-1", new long[] {1_200, 2_200});
    statuses.put("g", new ArrayList<>(List.of(run("g", JobState.Processing, "SYMBOL2", "w-1", 1_100, 1_100),
        run("g", JobState.Processing, "SYMBOL2", "w-2", 5_000, 5_000), run("g", JobState.Error, "SYMBOL2", "w-2", 5_000, 6_000))));

    HistoryCheck.Result result = check();
    assertThat(result.count("more running than the task's limit")).isEqualTo(1);
    assertThat(result.examples().get("more running than the task's limit")).containsExactly("d 3 on w-0");
    assertThat(result.exercised()).containsEntry("limited task attempts", 7).containsEntry("limited task at its limit on a worker", 3);
  }

  /**
   * A cancel-all or replay-all answer with no audit entry, or one stating other counts, is counted;
   * so is a cancel-all that matched more jobs than the topics hold for its filter, and a replay-all
   * naming a job no "replayed" marker names. Answers that agree with both are not.
   */
  @Test
  void aBulkActionUnlikeItsAuditEntryOrTheTopicsIsCounted() {
    for (String job : List.of("own", "other")) {
      JobStatus pending = status(job, JobState.Pending, "SYMBOL1", "gw", 1_500);
      pending.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
      JobStatus end = status(job, JobState.Error, "SYMBOL1", "w-0", 3_000);
      end.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
      statuses.put(job, new ArrayList<>(List.of(pending, end)));
    }
    java.util.function.BiFunction<String, Integer, CallerLog.BulkAction> cancelAll = (target, matched) -> new CallerLog.BulkAction(
        "bulk cancel", target, "SYMBOL1", 1_000, 2_000, 2_000, 2_100, matched, List.of((long) matched, (long) matched), List.of("own"));
    callers.bulkAction(cancelAll.apply("{\"agrees\"}", 2));
    callers.bulkAction(cancelAll.apply("{\"no entry\"}", 2));
    callers.bulkAction(cancelAll.apply("{\"too many\"}", 3)); // the topics hold 2 jobs of its filter
    callers.bulkAction(new CallerLog.BulkAction("bulk replay", "{\"replay agrees\"}", "SYMBOL3", 0, 2_000, 2_000, 2_100, 1,
        List.of(1L, 1L, 0L), List.of("r1")));
    callers.bulkAction(new CallerLog.BulkAction("bulk replay", "{\"replay wrong\"}", "SYMBOL3", 0, 2_000, 2_000, 2_100, 2,
        List.of(1L, 2L, 0L), List.of("r9"))); // its entry says 1 matched; no marker names r9
    List<TopicHistory.AuditEntry> audit = List.of(
        new TopicHistory.AuditEntry("bulk cancel", "{\"agrees\"}", "2 of 2 matching job(s) asked to stop"),
        new TopicHistory.AuditEntry("bulk cancel", "{\"too many\"}", "3 of 3 matching job(s) asked to stop"),
        new TopicHistory.AuditEntry("bulk replay", "{\"replay agrees\"}", "1 replayed of 1 matching (0 done before)"),
        new TopicHistory.AuditEntry("bulk replay", "{\"replay wrong\"}", "1 replayed of 1 matching (0 done before)"));
    Map<String, Set<String>> replayedAs = Map.of("0-1", Set.of("r1"), "0-2", Set.of("x", "y")); // 0-2: only a replay-all reached it

    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, replayedAs,
        Map.of(), Map.of(), Map.of(), Set.of(), audit, 0), callers);
    assertThat(result.count("bulk action unlike its audit entry")).isEqualTo(2);
    assertThat(result.count("bulk action unlike the topics")).isEqualTo(2);
    assertThat(result.count("replayed more than once")).isEqualTo(1);
    assertThat(result.exercised()).containsEntry("cancel-all calls", 3).containsEntry("replay-all calls", 2);
  }

  /**
   * A cancel-all held in a frozen gateway's socket is carried out when the gateway wakes: its own
   * job, unfinished when it was called but ended before it was answered, may be matched or not
   * (a CI chaos run: called, the gateway frozen 5 s, the job's Success at +4.1 s, answered at +5.2 s
   * with 0 matched, was counted before). One still unfinished when it was answered is owed.
   */
  @Test
  void aCancelAllOwesOnlyTheOwnJobsStillUnfinishedWhenItWasAnswered() {
    JobStatus pending = status("ended-meanwhile", JobState.Pending, "SYMBOL1", "gw", 1_500);
    pending.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
    JobStatus end = status("ended-meanwhile", JobState.Success, "SYMBOL1", "w-0", 6_100);
    end.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
    statuses.put("ended-meanwhile", new ArrayList<>(List.of(pending, end)));
    JobStatus pending2 = status("running-on", JobState.Pending, "SYMBOL1", "gw", 1_500);
    pending2.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
    JobStatus end2 = status("running-on", JobState.Success, "SYMBOL1", "w-0", 9_000);
    end2.setSubmittedTime(java.time.Instant.ofEpochMilli(1_500));
    statuses.put("running-on", new ArrayList<>(List.of(pending2, end2)));
    callers.bulkAction(new CallerLog.BulkAction("bulk cancel", "{\"late\"}", "SYMBOL1", 1_000, 2_000, 2_000, 7_200, 0,
        List.of(0L, 0L), List.of("ended-meanwhile")));
    callers.bulkAction(new CallerLog.BulkAction("bulk cancel", "{\"missed\"}", "SYMBOL1", 1_000, 2_000, 2_000, 7_200, 0,
        List.of(0L, 0L), List.of("running-on")));
    List<TopicHistory.AuditEntry> audit = List.of(
        new TopicHistory.AuditEntry("bulk cancel", "{\"late\"}", "0 of 0 matching job(s) asked to stop"),
        new TopicHistory.AuditEntry("bulk cancel", "{\"missed\"}", "0 of 0 matching job(s) asked to stop"));

    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(),
        Map.of(), Map.of(), Map.of(), Set.of(), audit, 0), callers);
    assertThat(result.count("bulk action unlike the topics")).isEqualTo(1);
    assertThat(result.examples().get("bulk action unlike the topics")).singleElement().asString().contains("own [running-on");
  }

  /**
   * A schedule owes a job from its first tick after the create call answered (a missing first
   * tick is counted), none from a pause's answer to the resume call (a tick fired paused, or as
   * backlog on resume, is counted), and one again from the next tick after the resume.
   */
  @Test
  void aScheduleIsCheckedFromItsFirstTickAndThroughItsPauses() {
    callers.scheduleCreated("s", java.time.Duration.ofSeconds(2), 1_000);
    callers.schedulePaused("s", 6_500, 6_600);
    callers.scheduleResumed("s", 11_000, 11_100);
    callers.schedulePaused("s", 15_000);
    callers.loadEnded(15_000);
    Map<String, Integer> copies = new HashMap<>();
    for (long tick : List.of(4_000L, 6_000L, 8_000L, 12_000L, 14_000L, 16_000L)) { // 2,000 (the first) missing; 8,000, 16,000 paused
      String id = org.scix.pipeline.core.job.JobIds.forScheduleTick("s", tick);
      copies.put(id, 1);
      events(id, JobState.Pending, JobState.Success);
      outputs.add(id);
    }
    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(), copies, Map.of(),
        Map.of(), Set.of()), callers);
    assertThat(result.count("schedule tick without a job")).isEqualTo(1);
    assertThat(result.count("schedule tick while paused")).isEqualTo(2);
    assertThat(result.exercised()).containsEntry("schedule ticks with a job", 4).containsEntry("schedule ticks after a resume", 2)
        .containsEntry("schedule pauses resumed", 1);
  }

  /**
   * The raw history keeps what compaction dropped: a job's first end, read by the tail during the
   * run, stays beside the second end a read at the end still finds, each once.
   */
  @Test
  void theRawHistoryKeepsAnEndThatCompactionDropped() {
    java.util.function.LongFunction<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> record =
        offset -> new org.apache.kafka.clients.consumer.ConsumerRecord<>("status", 0, offset, "job", new byte[] {(byte) offset});
    List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> merged =
        StatusTail.merge(List.of(record.apply(5), record.apply(9)), List.of(record.apply(9), record.apply(12)));
    assertThat(merged).extracting(org.apache.kafka.clients.consumer.ConsumerRecord::offset).containsExactly(5L, 9L, 12L);
  }

  /**
   * Read answers asked once the run settled are held against the final topics: a batch count, a
   * listed status and a cancelBatch total that the topics contradict are each counted; answers that
   * agree, and one about a job retention forgot, are not.
   */
  @Test
  void aReadAnswerTheFinalTopicsContradictIsCounted() {
    String batch = "4".repeat(32);
    String done = org.scix.pipeline.core.job.JobIds.forBatchEntry(batch, 0);
    String failed = org.scix.pipeline.core.job.JobIds.forBatchEntry(batch, 1);
    events(done, JobState.Pending, JobState.Success);
    events(failed, JobState.Pending, JobState.Error);
    outputs.add(done);
    events("forgotten", JobState.Pending, JobState.Success);
    tombstone("forgotten");
    outputs.add("forgotten");
    statuses.put("progressing", new ArrayList<>());
    for (long reported : List.of(3L, 8L)) {
      JobStatus progress = TestStatuses.of("progressing", JobState.Processing).at(1_000 + reported).build();
      progress.setProgressDone(reported);
      statuses.get("progressing").add(progress);
    }
    events("progressing", JobState.Success);
    outputs.add("progressing");
    for (String[] answer : new String[][] {{"batchStatus", batch, "total", "2"}, {"batchStatus", batch, "Success", "1"},
        {"batchStatus", batch, "Error", "0"}, // the topics end one of its jobs in Error
        {"batchJobs", done, "Success", "-1"}, {"ListJobs", failed, "Pending", "-1"}, // it ended
        {"jobOutputs", done, "Success", "1"}, {"jobOutputs", "forgotten", "Pending", "0"}, {"progress", "progressing", "Success", "-1"}, // an end carries no progress
        {"cancelBatch", batch, "total", "3"}}) { // its batch has 2 jobs
      callers.endAnswer(new CallerLog.EndAnswer(answer[0], answer[1], answer[2], Long.parseLong(answer[3])));
    }
    HistoryCheck.Result result = HistoryCheck.check(new TopicHistory(statuses, outputs, statuses.keySet(), 0, Map.of(),
        Map.of(done, 1, failed, 1), Map.of(batch, 2), Map.of(), Set.of()), callers);
    assertThat(result.count("answer unlike the final topics")).isEqualTo(3);
    assertThat(result.exercised()).containsEntry("read answers held against the final topics", 9);
  }
}
