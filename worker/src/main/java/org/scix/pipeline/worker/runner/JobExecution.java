package org.scix.pipeline.worker.runner;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;

/**
 * One input record on its way through a worker. The poll thread owns the bookkeeping fields;
 * the task thread reports through {@link #outcome} and {@link #attemptsStarted}.
 */
final class JobExecution {
  final TopicPartition partition;
  final long offset;
  final ConsumerRecord<String, byte[]> record;
  final String jobId;
  final TemplateInput job;
  final String undecodableReason;
  final long receivedNanos = System.nanoTime();
  final ConcurrentLinkedQueue<Integer> attemptsStarted = new ConcurrentLinkedQueue<>();
  volatile Outcome outcome;
  volatile boolean abandoned;

  // Poll-thread state.
  boolean processingWritten;

  private JobExecution(ConsumerRecord<String, byte[]> record, String jobId, TemplateInput job, String undecodableReason) {
    this.partition = new TopicPartition(record.topic(), record.partition());
    this.offset = record.offset();
    this.record = record;
    this.jobId = jobId;
    this.job = job;
    this.undecodableReason = undecodableReason;
    if (undecodableReason != null) {
      outcome = Outcome.deadLetter(undecodableReason, 0);
    }
  }

  static JobExecution decoded(ConsumerRecord<String, byte[]> record, TemplateInput job) {
    return new JobExecution(record, job.getHash() != null ? job.getHash() : record.key(), job, null);
  }

  static JobExecution undecodable(ConsumerRecord<String, byte[]> record, String reason) {
    return new JobExecution(record, record.key(), null, reason);
  }

  boolean isPoison() {
    return undecodableReason != null;
  }

  /** How a job ended. {@code deadLetter} means: copy the input record to the dead-letter topic. */
  record Outcome(boolean success, String errorReason, boolean deadLetter, int attempts, List<TemplateOutput> outputs) {
    static Outcome success(int attempts, List<TemplateOutput> outputs) {
      return new Outcome(true, null, false, attempts, outputs);
    }

    static Outcome error(String reason, int attempts) {
      return new Outcome(false, reason, false, attempts, List.of());
    }

    static Outcome deadLetter(String reason, int attempts) {
      return new Outcome(false, reason, true, attempts, List.of());
    }
  }
}
