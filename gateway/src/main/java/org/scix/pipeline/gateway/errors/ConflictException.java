package org.scix.pipeline.gateway.errors;

/** What the call asks cannot be done in the state it finds (a job already ended, a dead letter already replayed). */
public final class ConflictException extends RuntimeException {
  public ConflictException(String message) {
    super(message);
  }
}
