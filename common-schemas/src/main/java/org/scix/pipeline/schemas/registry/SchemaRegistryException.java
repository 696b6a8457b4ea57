package org.scix.pipeline.schemas.registry;

/**
 * A schema registry call failed. The message names the subject (or schema id) and the cause in
 * words; {@link #httpStatus()} and {@link #errorCode()} carry the Confluent codes (0 when the
 * registry could not be reached at all).
 */
public class SchemaRegistryException extends RuntimeException {
  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INVALID_SCHEMA = 42201;

  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public int errorCode() {
    return errorCode;
  }

  /** True when the registry could not be reached (as opposed to answering with an error). */
  public boolean isUnreachable() {
    return httpStatus == 0;
  }

  public boolean isIncompatible() {
    return httpStatus == 409;
  }

  public boolean isNotFound() {
    return httpStatus == 404;
  }
}
