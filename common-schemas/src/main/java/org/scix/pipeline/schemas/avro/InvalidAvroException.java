package org.scix.pipeline.schemas.avro;

/** The bytes are not a valid Avro datum of the expected schema; the message says where and why. */
public class InvalidAvroException extends RuntimeException {
  public InvalidAvroException(String message) {
    super(message);
  }

  public InvalidAvroException(String message, Throwable cause) {
    super(message, cause);
  }
}
