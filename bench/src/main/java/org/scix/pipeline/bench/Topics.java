package org.scix.pipeline.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.kafka.TopicReader.From;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/** Filling topics fast and reading them back, for scenarios that need a known amount of data. */
final class Topics {
  private Topics() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Producer<String, Object> producer(BenchContext ctx) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.stack().bootstrapServers());
    config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // One batch in flight per partition: a bulk load must not depend on the broker untangling
    // out-of-order sequences after a retried first batch.
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    return new KafkaProducer<>(config, new StringSerializer(), (Serializer) ctx.serdes().serializer());
  }

  /** Sends and flushes; fails if any record was not written. */
  static void sendAll(BenchContext ctx, int count, IntFunction<ProducerRecord<String, Object>> record) {
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (Producer<String, Object> producer = producer(ctx)) {
      for (int i = 0; i < count && failure.get() == null; i++) {
        producer.send(record.apply(i), (metadata, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          }
        });
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("writing test records failed: " + failure.get(), failure.get());
    }
  }

  /** Writes {@code count} jobs straight onto an input topic (what the gateway would have put there). */
  static void writeJobs(BenchContext ctx, String inputTopic, int count) {
    sendAll(ctx, count, i -> {
      String id = JobIds.random();
      TemplateInput job = TemplateInput.newBuilder().setHash(id).setId(null).setTask(taskenum.SYMBOL3).setStatus(statusenum.Pending)
          .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null).setPersistence(null).build())
          .build();
      return new ProducerRecord<>(inputTopic, id, job);
    });
  }

  /** Reads a status topic until {@code expected} Success events arrived; returns their times (epoch ms) by job. */
  static Map<String, Long> awaitSuccesses(BenchContext ctx, String statusTopic, int expected, Duration timeout) {
    ConfluentAvroDeserializer<JobStatus> deserializer = ctx.serdes().deserializer(JobStatus.class);
    Map<String, Long> successes = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (TopicReader reader = TopicReader.open(ctx.kafka(), "bench-status-reader")) {
      reader.read(reader.partitions(statusTopic, Duration.ofSeconds(15)), From.BEGINNING, true, record -> {
        JobStatus status = deserializer.deserialize(record.topic(), record.value());
        if (status.getStatus() == JobState.Success) {
          successes.put(status.getJobId(), status.getTime().toEpochMilli());
        }
      }, () -> successes.size() >= expected || System.nanoTime() > deadline);
    }
    if (successes.size() < expected) {
      throw new IllegalStateException("only " + successes.size() + " of " + expected + " jobs succeeded within " + timeout);
    }
    return successes;
  }
}
