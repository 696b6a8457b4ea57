package org.scix.pipeline.gateway.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a job's end back at the head of its key on the status topic when a late second submission
 * of the same job id committed a Pending after the job had ended. Two replicas racing on one
 * idempotency key, or on the replay of one dead letter, can both enqueue the job: the worker runs
 * it once and skips the second record, but the second Pending is already on the status topic, and
 * if it committed after the job ended, it is the key's latest value. The view keeps the end
 * (statuses only move forward), but compaction keeps the latest value, so a replica rebuilt from
 * the compacted topic would show the job Pending for ever.
 *
 * <p>The copy restates the end exactly (same status, time, attempt, writer, reason): it is one
 * ending written twice, not a second ending, and readers fold it to what they hold. Every replica
 * that reads the late Pending writes a copy; the copies are identical. Runs on the status reader's
 * thread; sends never wait (the producer's {@code max.block.ms} is short).
 */
public final class StalePendingRepair implements Consumer<List<JobRecord>> {
  private static final Logger log = LoggerFactory.getLogger(StalePendingRepair.class);

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final Serializer<Object> values;
  private final Counter restated;

  public StalePendingRepair(Producer<String, byte[]> producer, String topic, Serializer<Object> values, MeterRegistry metrics) {
    this.producer = producer;
    this.topic = topic;
    this.values = values;
    this.restated = Counter.builder("pipeline.status_view.ends_restated")
        .description("Job ends written again after a late duplicate Pending").register(metrics);
  }

  @Override
  public void accept(List<JobRecord> ended) {
    for (JobRecord job : ended) {
      log.info("job {} got a Pending after it ended {} (a duplicate submission committed late); restating its end", job.jobId(),
          job.state());
      producer.send(new ProducerRecord<>(topic, job.jobId(), values.serialize(topic, job.endEvent())), (metadata, error) -> {
        if (error != null) {
          log.warn("could not restate the end of job {}: {}", job.jobId(), error.toString());
        } else {
          restated.increment();
        }
      });
    }
  }
}
