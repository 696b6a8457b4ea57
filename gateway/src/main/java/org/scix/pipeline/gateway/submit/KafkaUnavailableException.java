package org.scix.pipeline.gateway.submit;

/** Kafka did not take a job (down, timed out, or the gateway is shutting down); nothing was written. */
public class KafkaUnavailableException extends RuntimeException {
  public KafkaUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
