package org.scix.pipeline.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

class DateRangeExpansionTaskTest {
  private final DateRangeExpansionTask task = new DateRangeExpansionTask();

  @Test
  void emitsOneRecordPerDayInclusive() {
    TaskContext context = context("2024-02-28:2024-03-01");
    task.run(context);
    assertThat(context.outputs()).extracting(o -> o.getRecordId())
        .containsExactly("j-2024-02-28", "j-2024-02-29", "j-2024-03-01");
    assertThat(context.outputs().get(0).getRecordData()).isEqualTo("{\"date\":\"2024-02-28\",\"ingest_type\":\"metadata\",\"ingest\":true}");
  }

  @Test
  void rejectsMalformedReversedAndHugeRanges() {
    for (String bad : new String[] {"yesterday", "2024-03-01:2024-02-01", "2020-01-01:2024-01-01", "a:b:c", ""}) {
      assertThatThrownBy(() -> task.run(context(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static TaskContext context(String daterange) {
    TemplateInput job = TemplateInput.newBuilder().setHash("j").setId(null).setTask(taskenum.SYMBOL1).setStatus(null)
        .setTaskArgs(task_args_record.newBuilder().setIngest(true).setIngestType("metadata").setDaterange(daterange)
            .setPersistence(null).build()).build();
    return new TaskContext("j", job, 1, () -> false);
  }
}
