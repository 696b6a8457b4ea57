package org.scix.pipeline.gateway.errors;

/** An operation's own deadline passed; the message says which operation and what it means for the caller. */
public final class OperationTimeoutException extends RuntimeException {
  public OperationTimeoutException(String message) {
    super(message);
  }
}
