package org.scix.pipeline.gateway.errors;

/** The request is well-formed but not a valid call (wrong task, missing field, a bad parameter): the caller's mistake. */
public final class InvalidRequestException extends RuntimeException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
