package org.scix.pipeline.worker.runner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.TransactionalProducers;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.runner.JobExecution.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-process-produce loop of one worker process.
 *
 * <p>One thread (this one) owns the consumer and the transactional producer. Each turn it polls,
 * starts the tasks of the jobs it received (on a pool, never on this thread), then writes, in
 * <em>one</em> Kafka transaction: Processing for the jobs started since the last turn, Processing
 * for retry attempts, and for every partition the finished jobs at the head of its queue (in
 * offset order) with their output records, terminal status or dead letter, plus the input offsets
 * after them. A job's terminal status, outputs and input offset therefore commit together or not
 * at all: a worker killed mid-job leaves the job uncommitted, another worker runs it again, and it
 * still ends with exactly one terminal status. A short job's Processing and terminal status share
 * a transaction (Processing first), which keeps one commit off its latency.
 *
 * <p>Long jobs do not stop polling (no rebalance, no second execution); when {@code concurrency}
 * tasks are running every partition is paused and polling continues. Jobs of one partition run
 * concurrently, but their results are committed in offset order.
 */
public final class WorkerRunner implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerRunner.class);
  static final String DLT_REASON = "dlt.reason";
  static final String DLT_TOPIC = "dlt.original.topic";
  static final String DLT_PARTITION = "dlt.original.partition";
  static final String DLT_OFFSET = "dlt.original.offset";

  private final TopicSettings topics;
  private final Consumer<String, byte[]> consumer;
  private final Supplier<Producer<String, Object>> producerFactory;
  private final ConfluentAvroDeserializer<TemplateInput> jobs;
  private final TaskExecutor executor;
  private final ExecutorService pool;
  private final int concurrency;
  private final String workerName;
  private final Duration drainTimeout;
  private final Duration revocationWait;
  private final Map<TopicPartition, ArrayDeque<JobExecution>> inFlight = new HashMap<>();
  private final AtomicInteger inFlightCount = new AtomicInteger();
  private final Counter succeeded;
  private final Counter failed;
  private final Counter retried;
  private final Counter deadLettered;
  private final Counter cancelled;
  private final Timer duration;
  private Producer<String, Object> producer;
  private volatile boolean running = true;
  private volatile boolean ready;
  private volatile boolean stopped;
  private boolean paused;

  public WorkerRunner(TopicSettings topics, Consumer<String, byte[]> consumer, Supplier<Producer<String, Object>> producerFactory,
      ConfluentAvroDeserializer<TemplateInput> jobs, TaskExecutorSettings settings, ExecutorService pool, MeterRegistry metrics) {
    this.topics = topics;
    this.consumer = consumer;
    this.producerFactory = producerFactory;
    this.jobs = jobs;
    this.executor = new TaskExecutor(settings.tasks(), settings.maxAttempts(), settings.retryBackoff());
    this.pool = pool;
    this.concurrency = settings.concurrency();
    this.workerName = settings.workerName();
    this.drainTimeout = settings.drainTimeout();
    this.revocationWait = settings.revocationWait();
    this.succeeded = Counter.builder("pipeline.jobs.succeeded").register(metrics);
    this.failed = Counter.builder("pipeline.jobs.failed").register(metrics);
    this.retried = Counter.builder("pipeline.jobs.retried").register(metrics);
    this.deadLettered = Counter.builder("pipeline.jobs.dead_lettered").register(metrics);
    this.cancelled = Counter.builder("pipeline.jobs.cancelled").register(metrics);
    this.duration = Timer.builder("pipeline.job.duration").description("Receive to terminal commit").publishPercentileHistogram()
        .register(metrics);
    metrics.gauge("pipeline.jobs.in_flight", inFlightCount);
  }

  /** True once this worker has joined the group and can write. */
  public boolean isReady() {
    return ready && !stopped;
  }

  public boolean isStopped() {
    return stopped;
  }

  /** Asks the loop to stop taking jobs, finish in-flight ones (up to the drain timeout) and leave. */
  public void stop() {
    running = false;
    consumer.wakeup();
  }

  @Override
  public void run() {
    try {
      producer = producerFactory.get();
      producer.initTransactions();
      consumer.subscribe(List.of(topics.input()), new Rebalance());
      ready = true;
      log.info("worker {} consuming {} (concurrency {})", workerName, topics.input(), concurrency);
      loop();
      log.info("worker {} drained; leaving the group", workerName);
    } catch (RuntimeException e) {
      log.error("worker {} stopped on a fatal error: {}", workerName, e.toString(), e);
      throw e;
    } finally {
      stopped = true;
      ready = false;
      pool.shutdownNow();
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.warn("closing consumer: {}", e.toString());
      }
      if (producer != null) {
        producer.close(Duration.ofSeconds(5));
      }
    }
  }

  private void loop() {
    long drainDeadline = Long.MAX_VALUE;
    while (true) {
      if (!running && drainDeadline == Long.MAX_VALUE) {
        drainDeadline = System.nanoTime() + drainTimeout.toNanos();
        consumer.pause(consumer.assignment());
        paused = true;
        log.info("worker {} stopping: {} job(s) in flight, draining up to {} ms", workerName, inFlightCount.get(), drainTimeout.toMillis());
      }
      if (!running && (inFlightCount.get() == 0 || System.nanoTime() > drainDeadline)) {
        if (inFlightCount.get() > 0) {
          log.warn("drain timeout: abandoning {} unfinished job(s); they will run again elsewhere", inFlightCount.get());
          abandonAll();
        }
        return;
      }
      receive(poll());
      writeTransaction();
      applyFlowControl();
    }
  }

  private Iterable<ConsumerRecord<String, byte[]>> poll() {
    try {
      return consumer.poll(Duration.ofMillis(inFlightCount.get() > 0 ? 50 : 200));
    } catch (WakeupException e) {
      return List.of(); // a job finished, or stop() was called
    }
  }

  /**
   * Queues what was polled (per partition, in offset order) and starts each job's task at once;
   * its Processing status goes out with the next transaction. A job whose cancel request came in
   * the same poll is never started.
   */
  private void receive(Iterable<ConsumerRecord<String, byte[]>> records) {
    java.util.Set<String> cancelledNow = new java.util.HashSet<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      if (ControlRecords.CANCEL.equals(ControlRecords.instruction(record.headers())) && record.key() != null) {
        cancelledNow.add(record.key());
      }
    }
    for (ConsumerRecord<String, byte[]> record : records) {
      JobExecution execution = decode(record);
      ArrayDeque<JobExecution> queue = inFlight.computeIfAbsent(execution.partition, p -> new ArrayDeque<>());
      if (execution.isControl()) {
        applyCancel(queue, execution);
      } else if (execution.job != null && cancelledNow.contains(execution.jobId)) {
        log.info("job {} cancelled before it started", execution.jobId);
        execution.cancel();
      } else if (execution.job != null) {
        dispatch(execution);
      }
      queue.addLast(execution);
      inFlightCount.incrementAndGet();
    }
  }

  private void dispatch(JobExecution execution) {
    execution.running = pool.submit(() -> {
      execution.started = true;
      Outcome outcome;
      try {
        outcome = executor.execute(execution);
      } catch (Throwable unexpected) { // never leave a job without an outcome
        outcome = Outcome.error("worker error: " + unexpected, 1);
      }
      execution.outcome = outcome;
      consumer.wakeup();
    });
  }

  /**
   * A cancel request follows its job on the same partition, so the job is either in this queue
   * (queued or running here) or already committed with its terminal status (then nothing to do).
   */
  private void applyCancel(ArrayDeque<JobExecution> queue, JobExecution cancel) {
    boolean found = false;
    for (JobExecution execution : queue) {
      if (execution.jobId != null && execution.jobId.equals(cancel.jobId) && execution.job != null) {
        found = true; // already cancelled in this poll, or cancelled now
        if (execution.isUnfinishedJob() && !execution.cancelled) {
          log.info("job {} cancelled while running", execution.jobId);
          execution.cancel();
        }
      }
    }
    if (!found) {
      log.info("cancel of job {} ignored: it already finished", cancel.jobId);
    }
  }

  private JobExecution decode(ConsumerRecord<String, byte[]> record) {
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
      return JobExecution.decoded(record, job);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() instanceof InvalidAvroException ? e.getCause() : e;
      log.warn("poison record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), cause.getMessage());
      return JobExecution.undecodable(record, e.getMessage());
    }
  }

  /**
   * Writes everything that is due in one transaction: Processing for jobs started since the last
   * one, Processing for retry attempts, and per partition the finished jobs at the head of the
   * queue (offset order) with their results and the input offset after them. A job that finished
   * quickly has its Processing and its terminal status in the same transaction, Processing first.
   * On failure nothing is forgotten: the same writes are attempted again next turn.
   */
  private void writeTransaction() {
    List<JobExecution> toStart = new ArrayList<>();
    Map<TopicPartition, List<JobExecution>> toFinish = new HashMap<>();
    List<JobStatus> retryEvents = new ArrayList<>();
    for (Map.Entry<TopicPartition, ArrayDeque<JobExecution>> entry : inFlight.entrySet()) {
      boolean head = true;
      for (JobExecution execution : entry.getValue()) {
        if (execution.needsProcessingEvent()) {
          toStart.add(execution);
        }
        if (head && execution.outcome != null) {
          toFinish.computeIfAbsent(entry.getKey(), p -> new ArrayList<>()).add(execution);
        } else {
          head = false;
        }
        Integer attempt;
        while ((attempt = execution.attemptsStarted.poll()) != null) {
          retryEvents.add(status(execution, JobState.Processing, attempt, null));
          retried.increment();
        }
      }
    }
    if (toStart.isEmpty() && toFinish.isEmpty() && retryEvents.isEmpty()) {
      return;
    }
    if (!commit(toStart, toFinish, retryEvents)) {
      return;
    }
    for (JobExecution execution : toStart) {
      execution.processingWritten = true;
      log.info("job {} processing (task {}, {}-{}@{})", execution.jobId, execution.job.getTask(),
          execution.partition.topic(), execution.partition.partition(), execution.offset);
    }
    toFinish.forEach((partition, finished) -> {
      ArrayDeque<JobExecution> queue = inFlight.get(partition);
      for (JobExecution execution : finished) {
        queue.pollFirst();
        inFlightCount.decrementAndGet();
        record(execution);
      }
    });
  }

  private boolean commit(List<JobExecution> toStart, Map<TopicPartition, List<JobExecution>> toFinish, List<JobStatus> retryEvents) {
    try {
      producer.beginTransaction();
      for (JobExecution execution : toStart) {
        producer.send(new ProducerRecord<>(topics.status(), execution.jobId, status(execution, JobState.Processing, 1, null)));
      }
      for (JobStatus event : retryEvents) {
        producer.send(new ProducerRecord<>(topics.status(), event.getJobId(), event));
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      toFinish.forEach((partition, finished) -> {
        for (JobExecution execution : finished) {
          sendResult(execution);
        }
        offsets.put(partition, new OffsetAndMetadata(finished.get(finished.size() - 1).offset + 1));
      });
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      producer.commitTransaction();
      return true;
    } catch (ProducerFencedException | FencedInstanceIdException | OutOfOrderSequenceException | AuthorizationException
        | UnsupportedVersionException fatal) {
      throw new IllegalStateException("fatal Kafka producer error: " + fatal, fatal);
    } catch (RuntimeException e) {
      log.warn("transaction failed, will retry: {}", e.toString());
      producer = TransactionalProducers.recover(producer, producerFactory, () -> running);
      return false;
    }
  }

  private void sendResult(JobExecution execution) {
    if (execution.isControl()) {
      return;
    }
    Outcome outcome = execution.outcome;
    if (outcome.deadLetter()) {
      RecordHeaders headers = new RecordHeaders(execution.record.headers().toArray());
      headers.add(DLT_REASON, utf8(outcome.errorReason()));
      headers.add(DLT_TOPIC, utf8(execution.record.topic()));
      headers.add(DLT_PARTITION, utf8(Integer.toString(execution.record.partition())));
      headers.add(DLT_OFFSET, utf8(Long.toString(execution.offset)));
      producer.send(new ProducerRecord<>(topics.deadLetter(), null, execution.record.key(), execution.record.value(), headers));
    }
    if (outcome.success()) {
      for (TemplateOutput output : outcome.outputs()) {
        producer.send(new ProducerRecord<>(topics.output(), execution.jobId, output));
      }
    }
    // A poison record whose key is a job id still gets its Error, so its caller is not left waiting.
    if (execution.jobId != null && JobIds.isValid(execution.jobId)) {
      JobState state = outcome.success() ? JobState.Success : JobState.Error;
      producer.send(new ProducerRecord<>(topics.status(), execution.jobId,
          status(execution, state, Math.max(1, outcome.attempts()), outcome.errorReason())));
    }
  }

  private void record(JobExecution execution) {
    if (execution.isControl()) {
      return;
    }
    Outcome outcome = execution.outcome;
    execution.endSpan(outcome.errorReason());
    duration.record(System.nanoTime() - execution.receivedNanos, TimeUnit.NANOSECONDS);
    if (outcome.deadLetter()) {
      deadLettered.increment();
    }
    if (outcome.success()) {
      succeeded.increment();
      log.info("job {} succeeded after {} attempt(s), {} output record(s)", execution.jobId, outcome.attempts(), outcome.outputs().size());
    } else if (JobExecution.CANCELLED.equals(outcome.errorReason())) {
      cancelled.increment();
      log.info("job {} ended cancelled", execution.jobId);
    } else {
      failed.increment();
      log.info("job {} failed: {}{}", execution.jobId, outcome.errorReason(), outcome.deadLetter() ? " (dead-lettered)" : "");
    }
  }

  private JobStatus status(JobExecution execution, JobState state, int attempt, String reason) {
    return JobStatus.newBuilder()
        .setJobId(execution.jobId)
        .setStatus(state)
        .setTask(execution.job == null ? null : execution.job.getTask().name())
        .setTime(Instant.now())
        .setAttempt(attempt)
        .setWorker(workerName)
        .setErrorReason(reason)
        .setTraceparent(execution.traceparent())
        .build();
  }


  /** Pause every partition while the pool is full; resume when there is room. */
  private void applyFlowControl() {
    if (!running) {
      return;
    }
    // Busy task threads limit intake, not finished jobs waiting for their commit (those hold no
    // thread; counting them halved throughput). The record count is still bounded, for memory.
    boolean full = unfinishedTasks() >= concurrency || inFlightCount.get() >= 4 * concurrency;
    if (full && !paused) {
      consumer.pause(consumer.assignment());
      paused = true;
    } else if (!full && paused) {
      consumer.resume(consumer.paused());
      paused = false;
    }
  }

  private int unfinishedTasks() {
    int unfinished = 0;
    for (ArrayDeque<JobExecution> queue : inFlight.values()) {
      for (JobExecution execution : queue) {
        if (execution.running != null && execution.outcome == null) {
          unfinished++;
        }
      }
    }
    return unfinished;
  }

  private void abandonAll() {
    inFlight.values().forEach(queue -> queue.forEach(JobExecution::abandon));
    inFlight.clear();
    inFlightCount.set(0);
  }

  private void abandon(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      ArrayDeque<JobExecution> queue = inFlight.remove(partition);
      if (queue != null) {
        queue.forEach(JobExecution::abandon);
        inFlightCount.addAndGet(-queue.size());
      }
    }
  }

  /** Cooperative rebalancing: only revoked partitions are touched. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Give in-flight jobs of these partitions a bounded chance to finish and commit.
      // Bounded well under max.poll.interval.ms: this runs inside poll().
      long deadline = System.nanoTime() + revocationWait.toNanos();
      while (System.nanoTime() < deadline && partitions.stream().anyMatch(WorkerRunner.this::hasUnfinished)) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      writeTransaction(); // commit what finished before handing the rest back
      int abandoned = partitions.stream().mapToInt(p -> inFlight.getOrDefault(p, new ArrayDeque<>()).size()).sum();
      if (abandoned > 0) {
        log.info("partitions {} revoked; handing back {} unfinished job(s)", partitions, abandoned);
      }
      abandon(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      log.warn("partitions {} lost; their jobs will run again on their new owner", partitions);
      abandon(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        log.info("worker {} assigned {}", workerName, partitions);
      }
      if (paused || !running) {
        consumer.pause(partitions);
      }
    }
  }

  private boolean hasUnfinished(TopicPartition partition) {
    ArrayDeque<JobExecution> queue = inFlight.get(partition);
    return queue != null && queue.stream().anyMatch(execution -> execution.started && execution.outcome == null);
  }

  private static byte[] utf8(String value) {
    return (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
  }
}
