package org.scix.pipeline.client;

import org.scix.pipeline.schemas.input.statusenum;

/** One answer from the gateway: the job and the status it has reached. */
public record JobUpdate(String jobId, statusenum status) {
  public boolean isTerminal() {
    return status == statusenum.Success || status == statusenum.Error;
  }
}
