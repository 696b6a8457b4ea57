package org.scix.pipeline.gateway.submit;

/** A job whose serialized record is larger than Kafka takes; refused for its caller alone, before it joins a batch. */
public final class JobTooLargeException extends RuntimeException {
  JobTooLargeException(int bytes, int limit) {
    super("the job is " + bytes + " bytes serialized but Kafka takes records of at most " + limit
        + " bytes (KAFKA_CLIENT_MAX_REQUEST_SIZE); send smaller task_args");
  }
}
