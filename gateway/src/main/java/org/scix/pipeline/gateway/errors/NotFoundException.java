package org.scix.pipeline.gateway.errors;

/** What the call names (a job, a dead letter) is not known here. */
public final class NotFoundException extends RuntimeException {
  public NotFoundException(String message) {
    super(message);
  }
}
