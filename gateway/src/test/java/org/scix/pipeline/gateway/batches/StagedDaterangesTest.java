package org.scix.pipeline.gateway.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.SplitRange;

/** A caller's dateranges, staged whole and checked before the batch is written. */
class StagedDaterangesTest {
  private static final BatchSettings SETTINGS = new BatchSettings(1000, Duration.ofSeconds(5));

  @Test
  void theJobsAreTheSplitRangesThenTheListedDaterangesExactlyAsSent() throws Exception {
    List<String> sent = List.of("2020-01-01", "2020-01-02:2020-01-02", "0001-01-01:9999-12-31", "1969-12-31:1970-01-01");
    StagedDateranges staged = StagedDateranges.stage(source(sent), 1000, SETTINGS);
    BatchPlan plan = BatchPlan.from(BatchRequest.newBuilder().setTask("SYMBOL1").setIngest(null).setIngestType(null).setPriority(null)
        .setSplit(new SplitRange("2021-01-01", "2021-01-04", 2)).setDateranges(List.of()).build());

    List<String> jobs = new ArrayList<>();
    staged.dateranges(plan).forEachRemaining(jobs::add);
    assertThat(staged.size()).isEqualTo(4);
    assertThat(jobs).containsExactly("2021-01-01:2021-01-02", "2021-01-03:2021-01-04", "2020-01-01", "2020-01-02:2020-01-02",
        "0001-01-01:9999-12-31", "1969-12-31:1970-01-01");
  }

  @Test
  void aBadEntryOrOneTooManyIsRefusedNamingItsPlace() {
    assertThatThrownBy(() -> StagedDateranges.stage(source(List.of("2020-01-01", "2020-02-30")), 1000, SETTINGS))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("dateranges[1]");
    assertThatThrownBy(() -> StagedDateranges.stage(source(List.of("2020-01-01", "2020-01-02", "2020-01-03")), 2, SETTINGS))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("BATCH_MAX_JOBS");
  }

  @Test
  void aCallerSlowerThanTheBatchTimeoutIsRefused() {
    BatchSettings quick = new BatchSettings(1000, Duration.ofMillis(50));
    Iterator<String> days = List.of("2020-01-01", "2020-01-02", "2020-01-03").iterator();
    BatchSource slow = () -> {
      Thread.sleep(40);
      return days.hasNext() ? days.next() : null;
    };
    assertThatThrownBy(() -> StagedDateranges.stage(slow, 1000, quick)).isInstanceOf(OperationTimeoutException.class)
        .hasMessageContaining("BATCH_TIMEOUT_MS");
  }

  private static BatchSource source(List<String> dateranges) {
    Iterator<String> it = dateranges.iterator();
    return () -> it.hasNext() ? it.next() : null;
  }
}
