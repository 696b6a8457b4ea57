package org.scix.pipeline.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.PipelineTask;
import org.scix.pipeline.worker.task.TaskContext;
import org.scix.pipeline.worker.task.TaskRegistry;

class HelloTaskTest {
  @Test
  void theWorkersRegistryFindsTheTaskByNameOnTheClasspath() throws Exception {
    TaskRegistry registry = TaskRegistry.load(Map.of(taskenum.SYMBOL1, HelloTask.NAME), Settings.of(Map.of(HelloTask.GREETING, "hi")));
    PipelineTask task = registry.forTask(taskenum.SYMBOL1).orElseThrow();

    TemplateInput job = TemplateInput.newBuilder().setHash("a".repeat(64)).setId(null).setTask(taskenum.SYMBOL1)
        .setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(true).setIngestType("arxiv").setDaterange(null).setPersistence(null).build())
        .build();
    TaskContext context = new TaskContext(job.getHash(), job, 1, () -> false);
    task.run(context);

    assertThat(context.outputs()).singleElement()
        .satisfies(output -> assertThat(output.getRecordData()).isEqualTo("{\"greeting\":\"hi, arxiv\"}"));
  }
}
