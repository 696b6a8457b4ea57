package org.scix.pipeline.client;

import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

/** What to run: a task and its arguments (each argument may be null). */
public record JobRequest(taskenum task, Boolean ingest, String ingestType, String daterange) {
  public JobRequest {
    if (task == null || task == taskenum.MONITOR) {
      throw new IllegalArgumentException("task must be SYMBOL1, SYMBOL2 or SYMBOL3");
    }
  }

  task_args_record args(boolean persistence) {
    return task_args_record.newBuilder().setIngest(ingest).setIngestType(ingestType).setDaterange(daterange)
        .setPersistence(persistence).build();
  }
}
