package org.scix.pipeline.gateway.errors;

/** The gateway cannot answer yet (status view still catching up, or its read barrier failed). */
public final class NotReadyException extends RuntimeException {
  public NotReadyException(String message) {
    super(message);
  }
}
