package org.scix.pipeline.gateway.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.SplitRange;

/** What a batch's first message may say, and the jobs a split range makes. */
class BatchPlanTest {
  private static BatchRequest.Builder first() {
    return BatchRequest.newBuilder().setTask("SYMBOL1").setIngest(null).setIngestType(null).setPriority(null).setSplit(null)
        .setDateranges(List.of());
  }

  @Test
  void aSplitRangeMakesOneJobPerNDaysTheLastOneShorterAndBulkByDefault() {
    BatchPlan plan = BatchPlan.from(first().setSplit(new SplitRange("2020-01-01", "2020-01-10", 4)).build());
    List<String> ranges = new ArrayList<>();
    plan.splitDateranges().forEachRemaining(ranges::add);
    assertThat(ranges).containsExactly("2020-01-01:2020-01-04", "2020-01-05:2020-01-08", "2020-01-09:2020-01-10");
    assertThat(plan.splitJobs()).isEqualTo(3);
    assertThat(plan.priority()).isEqualTo(Priority.BULK);
    assertThat(plan.job("x".repeat(64), "2020-01-01").getTaskArgs().getDaterange()).isEqualTo("2020-01-01");
  }

  @Test
  void eachBadFieldIsRefusedByName() {
    assertThatThrownBy(() -> BatchPlan.from(first().setTask("SYMBOL9").build())).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("task");
    assertThatThrownBy(() -> BatchPlan.from(first().setTask("MONITOR").build())).hasMessageContaining("task");
    assertThatThrownBy(() -> BatchPlan.from(first().setPriority("urgent").build())).hasMessageContaining("priority");
    assertThatThrownBy(() -> BatchPlan.from(first().setSplit(new SplitRange("2020-02-30", "2020-03-01", 1)).build()))
        .hasMessageContaining("split.from");
    assertThatThrownBy(() -> BatchPlan.from(first().setSplit(new SplitRange("2020-03-01", "2020-02-01", 1)).build()))
        .hasMessageContaining("split.to");
    assertThatThrownBy(() -> BatchPlan.from(first().setSplit(new SplitRange("2020-01-01", "2020-02-01", 0)).build()))
        .hasMessageContaining("split.days_per_job");
    assertThatThrownBy(() -> BatchPlan.checkDaterange("2020-01-01:2019-01-01", 7)).hasMessageContaining("dateranges[7]");
    assertThatThrownBy(() -> BatchPlan.checkDaterange("yesterday", 3)).hasMessageContaining("dateranges[3]");
    assertThat(BatchPlan.checkDaterange("2020-01-01:2020-01-31", 0)).isEqualTo("2020-01-01:2020-01-31");
  }
}
