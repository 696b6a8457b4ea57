package org.scix.pipeline.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.TestStatuses;

class JobStoreTest {
  @TempDir
  Path dir;

  @Test
  void aJobsTimelineKeepsEachStatusChangeTimeAttemptWorkerAndReason() {
    try (StatusView view = StatusView.inMemory()) {
      String id = JobIds.random();
      view.applyAll(List.of(
          new StatusView.Event(2, 10, id, event(id, JobState.Pending, "SYMBOL1", 1_000, 0, "gateway-a", null)),
          new StatusView.Event(2, 11, id, event(id, JobState.Processing, "SYMBOL1", 2_000, 1, "worker-1", null)),
          new StatusView.Event(2, 12, id, event(id, JobState.Processing, "SYMBOL1", 3_000, 2, "worker-2", null)),
          new StatusView.Event(2, 13, id, event(id, JobState.Error, "SYMBOL1", 4_000, 2, "worker-2", "boom"))));

      JobRecord job = view.job(id).orElseThrow();
      assertThat(job.state()).isEqualTo(JobState.Error);
      assertThat(job.submittedAt()).isEqualTo(1_000);
      assertThat(job.startedAt()).isEqualTo(2_000);
      assertThat(job.endedAt()).isEqualTo(4_000);
      assertThat(job.attempt()).isEqualTo(2);
      assertThat(job.worker()).isEqualTo("worker-2");
      assertThat(job.errorReason()).isEqualTo("boom");
      assertThat(job.traceparent()).isEqualTo("00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-01");
      assertThat(job.partition()).isEqualTo(2);
      assertThat(view.count(JobState.Error)).isEqualTo(1);
      assertThat(view.size()).isEqualTo(1);
    }
  }

  /** After compaction only a job's terminal event is left; the earlier times it carries still give its timeline. */
  @Test
  void aTerminalEventAloneStillGivesSubmitAndStartTimes() {
    try (StatusView view = StatusView.inMemory()) {
      String id = JobIds.random();
      JobStatus success = event(id, JobState.Success, "SYMBOL2", 9_000, 1, "worker-1", null);
      success.setSubmittedTime(Instant.ofEpochMilli(5_000));
      success.setStartedTime(Instant.ofEpochMilli(6_000));
      view.applyAll(List.of(new StatusView.Event(0, 0, id, success)));

      JobRecord job = view.job(id).orElseThrow();
      assertThat(List.of(job.submittedAt(), job.startedAt(), job.endedAt())).containsExactly(5_000L, 6_000L, 9_000L);
    }
  }

  @Test
  void listingFiltersByStatusTaskAndTimeAndPagesNewestFirstWithoutGapsOrRepeats() {
    try (StatusView view = StatusView.inMemory()) {
      List<StatusView.Event> events = new ArrayList<>();
      List<String> successesOfSymbol1 = new ArrayList<>();
      for (int i = 0; i < 250; i++) {
        String id = JobIds.random();
        JobState state = i % 3 == 0 ? JobState.Pending : JobState.Success;
        String task = i % 2 == 0 ? "SYMBOL1" : "SYMBOL2";
        events.add(new StatusView.Event(i % 4, i, id, event(id, state, task, 10_000 + i, 1, "w", null)));
        if (state == JobState.Success && task.equals("SYMBOL1")) {
          successesOfSymbol1.add(0, id); // newest first
        }
      }
      view.applyAll(events);

      List<String> paged = new ArrayList<>();
      JobQuery.Cursor cursor = null;
      int pages = 0;
      do {
        JobPage page = view.list(new JobQuery(Set.of(JobState.Success), "SYMBOL1", 0, Long.MAX_VALUE, 7, cursor));
        page.jobs().forEach(j -> assertThat(j.state()).isEqualTo(JobState.Success));
        page.jobs().forEach(j -> paged.add(j.jobId()));
        cursor = page.next();
        pages++;
      } while (cursor != null);
      assertThat(paged).containsExactlyElementsOf(successesOfSymbol1);
      assertThat(pages).isGreaterThan(10);

      JobPage window = view.list(new JobQuery(Set.of(), null, 10_100, 10_110, 100, null));
      assertThat(window.jobs()).extracting(JobRecord::submittedAt).containsExactly(10_109L, 10_108L, 10_107L, 10_106L, 10_105L,
          10_104L, 10_103L, 10_102L, 10_101L, 10_100L);
      assertThat(window.next()).isNull();
    }
  }

  @Test
  void aMoveUpdatesTheIndexesSoAFilterSeesOnlyTheLatestStatus() {
    try (StatusView view = StatusView.inMemory()) {
      String id = JobIds.random();
      view.applyAll(List.of(new StatusView.Event(0, 0, id, event(id, JobState.Pending, "SYMBOL1", 1_000, 0, "g", null))));
      view.applyAll(List.of(new StatusView.Event(0, 1, id, event(id, JobState.Success, "SYMBOL1", 2_000, 1, "w", null))));

      assertThat(view.list(new JobQuery(Set.of(JobState.Pending), null, 0, Long.MAX_VALUE, 10, null)).jobs()).isEmpty();
      assertThat(view.list(new JobQuery(Set.of(JobState.Success), null, 0, Long.MAX_VALUE, 10, null)).jobs()).hasSize(1);
      assertThat(view.count(JobState.Pending)).isZero();
      assertThat(view.count(JobState.Success)).isEqualTo(1);
    }
  }

  @Test
  void aReopenedStoreHasItsJobsAndWhereToResumeAndAStoreOfAnotherTopicIsWiped() {
    String id = JobIds.random();
    try (StatusView view = new StatusView(JobStore.open(dir, "TEMPLATEStatus/topic-id-1"), 0)) {
      view.applyAll(List.of(new StatusView.Event(1, 41, id, event(id, JobState.Success, "SYMBOL1", 1_000, 1, "w", null))));
      for (int p = 0; p < 4; p++) {
        String other = JobIds.random();
        view.applyAll(List.of(new StatusView.Event(p, 100 + p, other, event(other, JobState.Pending, "SYMBOL1", 1_000, 0, "g", null))));
      }
    }
    try (StatusView reopened = new StatusView(JobStore.open(dir, "TEMPLATEStatus/topic-id-1"), 0)) {
      assertThat(reopened.status(id)).contains(JobState.Success);
      assertThat(reopened.resumeOffsets()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(0, 101L, 1, 102L, 2, 103L, 3, 104L));
      assertThat(reopened.count(JobState.Success)).isEqualTo(1);
    }
    try (StatusView recreatedTopic = new StatusView(JobStore.open(dir, "TEMPLATEStatus/topic-id-2"), 0)) {
      assertThat(recreatedTopic.status(id)).isEmpty();
      assertThat(recreatedTopic.resumeOffsets()).isEmpty();
      assertThat(recreatedTopic.size()).isZero();
    }
  }

  @Test
  void aTombstoneForgetsTheJob() {
    try (StatusView view = StatusView.inMemory()) {
      String id = JobIds.random();
      view.applyAll(List.of(new StatusView.Event(0, 0, id, event(id, JobState.Success, "SYMBOL1", 1_000, 1, "w", null)),
          new StatusView.Event(0, 1, id, null)));
      assertThat(view.job(id)).isEmpty();
      assertThat(view.size()).isZero();
      assertThat(view.list(new JobQuery(Set.of(), null, 0, Long.MAX_VALUE, 10, null)).jobs()).isEmpty();
    }
  }

  /**
   * The batch index: a batch's jobs counted by their latest status and paged in id order, a job
   * forgotten by retention leaves it; the batch id and priority survive a later event without
   * them; a job submitted without one is interactive.
   */
  @Test
  void aBatchsJobsAreCountedByLatestStatusPagedInIdOrderAndForgottenWithTheirJob() {
    try (StatusView view = StatusView.inMemory()) {
      String batch = JobIds.randomBatchId();
      List<String> ids = new ArrayList<>();
      List<StatusView.Event> events = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String id = JobIds.forBatchEntry(batch, i);
        ids.add(id);
        JobStatus pending = event(id, JobState.Pending, "SYMBOL1", 1_000, 0, "g", null);
        pending.setBatchId(batch);
        pending.setPriority("bulk");
        events.add(new StatusView.Event(0, i, id, pending));
      }
      String unbatched = JobIds.random();
      events.add(new StatusView.Event(0, 5, unbatched, event(unbatched, JobState.Pending, "SYMBOL1", 1_000, 0, "g", null)));
      view.applyAll(events);
      // A worker's end event that (as from an older worker) names neither batch nor priority.
      view.applyAll(List.of(new StatusView.Event(0, 6, ids.get(0), event(ids.get(0), JobState.Success, "SYMBOL1", 2_000, 1, "w", null))));

      assertThat(view.batchCounts(batch)).containsExactly(4, 0, 0, 1); // Pending, Processing, Error, Success
      assertThat(view.job(ids.get(0)).orElseThrow().batchId()).isEqualTo(batch);
      assertThat(view.job(ids.get(0)).orElseThrow().priority()).isEqualTo(Priority.BULK);
      assertThat(view.job(unbatched).orElseThrow().priority()).isEqualTo(Priority.INTERACTIVE);
      List<String> sorted = ids.stream().sorted().toList();
      assertThat(view.batchJobs(batch, null, 3)).extracting(JobStore.BatchEntry::jobId).containsExactlyElementsOf(sorted.subList(0, 3));
      assertThat(view.batchJobs(batch, sorted.get(2), 3)).extracting(JobStore.BatchEntry::jobId)
          .containsExactlyElementsOf(sorted.subList(3, 5));

      view.applyAll(List.of(new StatusView.Event(0, 7, ids.get(0), null)));
      assertThat(view.batchCounts(batch)).containsExactly(4, 0, 0, 0);
      assertThat(view.batchCounts(JobIds.randomBatchId())).containsOnly(0);
    }
  }

  /** A running job's progress updates its record (kept across a restart of the store) without moving its status; its end drops it. */
  @Test
  void progressUpdatesARunningJobWithoutMovingItsStatusAndItsEndDropsIt() {
    try (StatusView view = StatusView.inMemory()) {
      String id = JobIds.random();
      view.applyAll(List.of(new StatusView.Event(0, 0, id, event(id, JobState.Processing, "SYMBOL1", 1_000, 1, "w", null))));
      for (long done : List.of(3L, 7L)) {
        JobStatus progress = event(id, JobState.Processing, "SYMBOL1", 1_000 + done, 1, "w", null);
        progress.setProgressDone(done);
        progress.setProgressTotal(10L);
        progress.setProgressMessage("step " + done);
        view.applyAll(List.of(new StatusView.Event(0, done, id, progress)));
      }
      assertThat(view.job(id).orElseThrow().progress()).isEqualTo(new JobRecord.Progress(7, 10, "step 7"));
      assertThat(view.job(id).orElseThrow().state()).isEqualTo(JobState.Processing);
      view.applyAll(List.of(new StatusView.Event(0, 20, id, event(id, JobState.Success, "SYMBOL1", 3_000, 1, "w", null))));
      assertThat(view.job(id).orElseThrow().progress()).isNull();
    }
  }

  static JobStatus event(String id, JobState state, String task, long time, int attempt, String worker, String reason) {
    return TestStatuses.of(id, state).task(task).at(time).attempt(attempt).writer(worker).reason(reason)
        .traceparent("00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-01").build();
  }
}
