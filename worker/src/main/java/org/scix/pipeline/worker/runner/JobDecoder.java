package org.scix.pipeline.worker.runner;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns an input record into a {@link JobExecution}: a job, a control record, or a poison record to dead-letter. */
final class JobDecoder {
  private static final Logger log = LoggerFactory.getLogger(JobDecoder.class);

  private final Deserializer<TemplateInput> jobs;

  JobDecoder(Deserializer<TemplateInput> jobs) {
    this.jobs = jobs;
  }

  JobExecution decode(ConsumerRecord<String, byte[]> record) {
    String instruction = ControlRecords.instruction(record.headers());
    if (instruction != null) {
      return ControlRecords.CANCEL.equals(instruction)
          ? JobExecution.control(record)
          : JobExecution.undecodable(record, "unknown control instruction '" + instruction + "'");
    }
    try {
      TemplateInput job = jobs.deserialize(record.topic(), record.value());
      if (job == null) {
        return JobExecution.undecodable(record, "empty record (tombstone) on the input topic");
      }
      if (!JobIds.isValid(job.getHash())) {
        return JobExecution.undecodable(record, "job has no valid hash (job id)");
      }
      return JobExecution.job(record, job);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() instanceof InvalidAvroException ? e.getCause() : e;
      log.warn("poison record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), cause.getMessage());
      return JobExecution.undecodable(record, e.getMessage());
    }
  }
}
