package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.TaskRegistry;

/** What a task's run amounts to when it returns because it was told to stop. */
class RetryingTaskRunnerTest {
  private final AtomicReference<JobExecution> current = new AtomicReference<>();

  private JobExecution execution() {
    TemplateInput job = TemplateInput.newBuilder().setHash("a".repeat(64)).setId(null).setTask(taskenum.SYMBOL1)
        .setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null).setPersistence(null).build())
        .build();
    JobExecution execution = JobExecution.job(new ConsumerRecord<>("input", 0, 0, job.getHash(), new byte[0]), job);
    current.set(execution);
    return execution;
  }

  /**
   * Handed back (its partition revoked) while it runs, a task that polls isCancelled() returns
   * normally without its outputs. That is not a Success (the chaos run saw such "Success without
   * output" through the same path on a deadline, before timeOut told the task only after setting
   * the outcome).
   */
  @Test
  void aTaskThatReturnsBecauseItWasToldToStopDoesNotSucceed() {
    RetryingTaskRunner runner = new RetryingTaskRunner(TaskRegistry.of(Map.of(taskenum.SYMBOL1, context -> {
      current.get().abandon(); // the poll thread hands it back while it runs
      if (context.isCancelled()) {
        return; // stops early, as tasks are asked to, without emitting anything
      }
      context.emit("out", "x");
    })), 3, Duration.ZERO);

    Outcome outcome = runner.run(execution());

    assertThat(outcome.success()).isFalse();
    assertThat(outcome.errorReason()).isEqualTo("stopped before it finished");
  }

  /** Past its deadline, the job's outcome is the time-out, whatever the task does once it is told to stop. */
  @Test
  void aTimedOutJobKeepsItsTimeOutWhateverTheTaskReturnsAfter() {
    RetryingTaskRunner runner = new RetryingTaskRunner(TaskRegistry.of(Map.of(taskenum.SYMBOL1, context -> {
      current.get().timeOut(Duration.ofMillis(5));
      assertThat(context.isCancelled()).isTrue();
    })), 3, Duration.ZERO);
    JobExecution execution = execution();

    execution.finish(runner.run(execution));

    assertThat(execution.outcome().errorReason()).isEqualTo("timed out after 5 ms");
  }
}
