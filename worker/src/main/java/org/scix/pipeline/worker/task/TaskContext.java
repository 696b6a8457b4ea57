package org.scix.pipeline.worker.task;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.output.taskenum;

/** What a task sees of its job: the request, the attempt, a way to emit output, a cancellation signal. */
public final class TaskContext {
  private final String jobId;
  private final TemplateInput job;
  private final int attempt;
  private final BooleanSupplier cancelled;
  private final List<TemplateOutput> outputs = new ArrayList<>();

  public TaskContext(String jobId, TemplateInput job, int attempt, BooleanSupplier cancelled) {
    this.jobId = jobId;
    this.job = job;
    this.attempt = attempt;
    this.cancelled = cancelled;
  }

  public String jobId() {
    return jobId;
  }

  public TemplateInput job() {
    return job;
  }

  /** 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  /** True once the job was cancelled or the worker is shutting down past its drain timeout. */
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /**
   * Emits one output record. Outputs are written to the output topic in the same Kafka
   * transaction as the job's terminal status, so they appear exactly once, and only on Success.
   */
  public synchronized void emit(String recordId, String recordData) {
    outputs.add(TemplateOutput.newBuilder()
        .setRecordId(recordId).setRecordData(recordData)
        .setTask(taskenum.valueOf(job.getTask().name())).build());
  }

  public synchronized List<TemplateOutput> outputs() {
    return List.copyOf(outputs);
  }
}
