package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TransactionalProducers;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts jobs on the input topic and their Pending status on the status topic <em>in one Kafka
 * transaction</em>, so a worker (reading {@code read_committed}) can only see a job whose Pending
 * is already on the status topic: a worker's Processing always lands after it. That is the order
 * the original lost.
 *
 * <p>Concurrent submissions are grouped: one thread drains whatever is queued into a single
 * transaction (group commit), so the per-transaction cost is shared under load. A submission's
 * future completes only after the commit, and fails if the transaction does not commit; a failed
 * transaction is aborted (or the producer replaced) so no job of it is ever visible.
 */
public final class JobSubmitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobSubmitter.class);
  private static final int MAX_BATCH = 1000;

  private final TopicSettings topics;
  private final Supplier<Producer<String, Object>> producerFactory;
  private final BlockingQueue<Submission> queue = new LinkedBlockingQueue<>(100_000);
  private final Thread thread;
  private final String instanceId;
  private final Counter submitted;
  private final DistributionSummary batchSizes;
  private volatile boolean running = true;
  private volatile boolean kafkaReachable;
  private Producer<String, Object> producer;

  public JobSubmitter(KafkaSettings kafka, TopicSettings topics, PipelineSerdes serdes, String instanceId,
      Duration timeout, MeterRegistry metrics) {
    this(topics, () -> newProducer(kafka, serdes, instanceId, timeout), instanceId, metrics);
  }

  JobSubmitter(TopicSettings topics, Supplier<Producer<String, Object>> producerFactory, String instanceId,
      MeterRegistry metrics) {
    this.topics = topics;
    this.producerFactory = producerFactory;
    this.instanceId = instanceId;
    this.submitted = Counter.builder("pipeline.jobs.submitted").description("Jobs acknowledged by Kafka").register(metrics);
    this.batchSizes = DistributionSummary.builder("pipeline.submit.batch.size")
        .description("Jobs per submit transaction").register(metrics);
    this.thread = new Thread(this::run, "job-submitter");
  }

  /** Creates the transactional producer (fencing a predecessor with the same instance id) and starts. */
  public void start() {
    producer = producerFactory.get();
    producer.initTransactions();
    kafkaReachable = true;
    thread.start();
  }

  /** True while the last transaction attempt succeeded. */
  public boolean isKafkaReachable() {
    return kafkaReachable;
  }

  /** Queues a job; the future completes when Kafka has it, or fails with {@link KafkaUnavailableException}. */
  public CompletableFuture<Void> submit(String jobId, TemplateInput job, String traceparent) {
    JobStatus pending = JobStatus.newBuilder()
        .setJobId(jobId).setStatus(JobState.Pending).setTask(job.getTask().name())
        .setTime(Instant.now()).setAttempt(0).setWorker("gateway-" + instanceId).setTraceparent(traceparent).build();
    ProducerRecord<String, Object> jobRecord = new ProducerRecord<>(topics.input(), jobId, job);
    // W3C trace context travels with the job to the worker, which copies it into its status events.
    ControlRecords.addTraceparent(jobRecord.headers(), traceparent);
    return enqueue(new Submission(jobId, "submitted (task " + job.getTask() + ")",
        List.of(jobRecord, new ProducerRecord<>(topics.status(), jobId, pending)), new CompletableFuture<>()), true);
  }

  /**
   * Queues a cancel request for a job: a control record on the input topic, keyed by the job id so
   * it lands on the job's partition, after the job, where the worker that owns the job sees it.
   */
  public CompletableFuture<Void> cancel(String jobId, String traceparent) {
    return enqueue(new Submission(jobId, "cancel requested", List.of(ControlRecords.cancel(topics.input(), jobId, traceparent)),
        new CompletableFuture<>()), false);
  }

  private CompletableFuture<Void> enqueue(Submission submission, boolean countsAsJob) {
    if (!running) {
      submission.acknowledged().completeExceptionally(new KafkaUnavailableException("gateway is shutting down", null));
    } else if (!queue.offer(submission)) {
      submission.acknowledged().completeExceptionally(
          new KafkaUnavailableException("submit queue full: Kafka is not keeping up", null));
    } else if (countsAsJob) {
      submission.acknowledged().thenRun(submitted::increment);
    }
    return submission.acknowledged();
  }

  private void run() {
    List<Submission> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Submission first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        writeInOneTransaction(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (org.apache.kafka.common.errors.ProducerFencedException e) {
        // Another gateway runs with this instance id and took over its transactional id: this
        // replica must not write again. Health goes NOT_SERVING; callers get UNAVAILABLE.
        log.error("fenced: another gateway uses instance id {}; this replica accepts no more jobs", instanceId);
        kafkaReachable = false;
        running = false;
        break;
      } finally {
        batch.clear();
      }
    }
    failAll("gateway is not accepting jobs (shutting down, or fenced by another replica with its instance id)");
  }

  private void writeInOneTransaction(List<Submission> batch) {
    try {
      producer.beginTransaction();
      for (Submission s : batch) {
        s.records().forEach(producer::send);
      }
      producer.commitTransaction();
    } catch (RuntimeException e) {
      kafkaReachable = false;
      log.warn("submit transaction of {} job(s) failed, nothing of it is visible: {}", batch.size(), e.toString());
      KafkaUnavailableException failure = new KafkaUnavailableException("Kafka did not take the job: " + e.getMessage(), e);
      batch.forEach(s -> s.acknowledged().completeExceptionally(failure));
      producer = TransactionalProducers.recover(producer, producerFactory, () -> running);
      return;
    }
    kafkaReachable = true;
    batchSizes.record(batch.size());
    for (Submission s : batch) {
      log.info("job {} {}", s.jobId(), s.what());
      s.acknowledged().complete(null);
    }
  }

  private void failAll(String reason) {
    KafkaUnavailableException failure = new KafkaUnavailableException(reason, null);
    Submission s;
    while ((s = queue.poll()) != null) {
      s.acknowledged().completeExceptionally(failure);
    }
  }

  /** Finishes queued submissions (bounded by the producer's timeouts), then closes the producer. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Producer<String, Object> newProducer(KafkaSettings kafka, PipelineSerdes serdes, String instanceId,
      Duration timeout) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "scix-gateway-" + instanceId);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // Bound every blocking step by the submit deadline, so a dead broker answers UNAVAILABLE in time.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout.toMillis() / 2));
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(2000, timeout.toMillis()));
    // A gateway that dies mid-transaction blocks read_committed readers until this expires.
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    TransactionalProducers.lowLatencyDefaults(config);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "scix-gateway-" + instanceId);
    return new KafkaProducer<>(config, new StringSerializer(), (org.apache.kafka.common.serialization.Serializer) serdes.serializer());
  }
}
