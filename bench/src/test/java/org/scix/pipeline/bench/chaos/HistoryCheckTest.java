package org.scix.pipeline.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

class HistoryCheckTest {
  private static JobStatus event(String job, JobState state) {
    return JobStatuses.event(job, state, "SYMBOL3", 1, "w", null, null);
  }

  @Test
  void aCleanHistoryCountsNothing() {
    List<JobStatus> events = List.of(event("a", JobState.Pending), event("a", JobState.Processing), event("a", JobState.Processing),
        event("a", JobState.Success));
    HistoryCheck.Result result = HistoryCheck.check(events, List.of("a-1", "a-2"), Set.of("a"));
    assertThat(result.clean()).isTrue();
  }

  @Test
  void eachKindOfDefectIsCounted() {
    List<JobStatus> events = List.of(
        event("lost", JobState.Pending),
        event("doubled", JobState.Pending), event("doubled", JobState.Success), event("doubled", JobState.Success),
        event("backwards", JobState.Pending), event("backwards", JobState.Error), event("backwards", JobState.Processing));
    HistoryCheck.Result result = HistoryCheck.check(events, List.of("x-1", "x-1"), Set.of("lost", "doubled", "never-written"));

    assertThat(result.lost()).isEqualTo(2); // "lost" stays Pending; "never-written" has no event at all
    assertThat(result.doubled()).isEqualTo(1);
    assertThat(result.stuck()).isEqualTo(2); // "lost" (Pending) and "backwards" (ends Processing)
    assertThat(result.backwards()).isEqualTo(1);
    assertThat(result.duplicatedOutputs()).isEqualTo(1);
    assertThat(result.clean()).isFalse();
    assertThat(result.summary()).contains("2 lost", "1 doubled", "2 stuck", "1 backwards", "1 duplicated output(s)");
  }
}
