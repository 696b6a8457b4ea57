package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts jobs on the input topic and their Pending status on the status topic <em>in one Kafka
 * transaction</em>, so a worker (reading {@code read_committed}) can only see a job whose Pending
 * is already on the status topic: a worker's Processing always lands after it. That is the order
 * the original lost.
 *
 * <p>Concurrent submissions are grouped: a lane's thread drains whatever is queued into a single
 * transaction (group commit), so the per-transaction cost is shared under load, and several lanes
 * (each its own transactional producer) overlap their transactions, so a batch never waits for
 * another's commit. A submission is answered only after its own transaction committed; callers are
 * completed on a separate executor, never on a lane's thread. Records are
 * serialized and size-checked on the caller's thread, so an oversize job is refused alone. A
 * submission not sent within its deadline is dropped (never sent later); once sent, its future
 * completes with the transaction's real outcome: committed, not committed, or unknown (the
 * {@link TransactionalWriter} owns the transaction and tells these apart).
 */
public final class JobSubmitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobSubmitter.class);
  private static final int MAX_BATCH = 1000;

  private final TopicSettings topics;
  private final BiFunction<JobSubmitter, Integer, TransactionalWriter> writerFactory;
  private final Serializer<Object> values;
  private final SubmitterSettings settings;
  private final BlockingQueue<Submission> queue = new LinkedBlockingQueue<>(100_000);
  private final List<Thread> lanes = new ArrayList<>();
  private final List<TransactionalWriter> writers = new CopyOnWriteArrayList<>();
  private final ExecutorService completions;
  private final Counter submitted;
  private final DistributionSummary batchSizes;
  private volatile boolean running = true;
  private volatile boolean kafkaReachable;
  private volatile Runnable stateListener = () -> { };
  private volatile OwnPendings ownPendings; // null: nobody reads them back
  private final CompletableFuture<String> fenced = new CompletableFuture<>();
  private final Map<String, CompletableFuture<Void>> unconfirmed = new ConcurrentHashMap<>(); // by job id
  private final Map<TransactionalWriter, LaneBatch> laneBatches = new ConcurrentHashMap<>(); // each lane's current batch
  private final ScheduledExecutorService sweeper;

  /** A lane's current batch: taken from the queue, then sent in a transaction (which may not begin at once). */
  private static final class LaneBatch {
    final List<Submission> submissions;
    volatile long sentAtNanos; // 0 until its transaction began

    LaneBatch(List<Submission> submissions) {
      this.submissions = submissions;
    }
  }

  /**
   * @param writerFactory builds the writer; it is given this submitter so the writer stops retrying
   *     an unreachable Kafka once the submitter closes (see {@link #isRunning})
   */
  public JobSubmitter(TopicSettings topics, Function<JobSubmitter, TransactionalWriter> writerFactory, Serializer<Object> values,
      SubmitterSettings settings, MeterRegistry metrics) {
    this(topics, (submitter, lane) -> writerFactory.apply(submitter), values, settings, metrics);
  }

  /** @param writerFactory builds the writer of each lane (0 to lanes - 1), each with its own transactional id */
  public JobSubmitter(TopicSettings topics, BiFunction<JobSubmitter, Integer, TransactionalWriter> writerFactory,
      Serializer<Object> values, SubmitterSettings settings, MeterRegistry metrics) {
    this.topics = topics;
    this.writerFactory = writerFactory;
    this.values = values;
    this.settings = settings;
    this.submitted = Counter.builder("pipeline.jobs.submitted").description("Jobs acknowledged by Kafka").register(metrics);
    this.batchSizes = DistributionSummary.builder("pipeline.submit.batch.size")
        .description("Jobs per submit transaction").register(metrics);
    this.completions = Executors.newFixedThreadPool(2, runnable -> {
      Thread t = new Thread(runnable, "submit-completions");
      t.setDaemon(true);
      return t;
    });
    this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "submit-deadlines");
      t.setDaemon(true);
      return t;
    });
  }

  /** The transactional id of a gateway replica: one per instance id, so a restart fences its predecessor. */
  public static String transactionalId(String instanceId) {
    return "scix-gateway-" + instanceId;
  }

  /** The transactional id of one lane of a replica; lane 0 keeps the replica's own. */
  public static String transactionalId(String instanceId, int lane) {
    return lane == 0 ? transactionalId(instanceId) : transactionalId(instanceId) + "-lane" + lane;
  }

  /** Told of each Pending as it is written, so the status reader need not decode it back; set before {@link #start}. */
  public void tellWritten(OwnPendings ownPendings) {
    this.ownPendings = ownPendings;
  }

  /** Called (on the submitter thread) whenever {@link #isKafkaReachable} changes; set before {@link #start}. */
  public void onStateChange(Runnable listener) {
    this.stateListener = listener;
  }

  /** Creates the transactional producer (fencing a predecessor with the same instance id) and starts. */
  public void start() {
    for (int lane = 0; lane < settings.lanes(); lane++) {
      TransactionalWriter writer = writerFactory.apply(this, lane);
      writer.init(List.of(topics.input(), topics.status(), topics.deadLetter()));
      writers.add(writer);
      Thread thread = new Thread(() -> run(writer), "job-submitter-" + lane);
      lanes.add(thread);
    }
    setReachable(true);
    lanes.forEach(Thread::start);
    long tick = Math.max(1, Math.min(50, settings.sendDeadline().toMillis() / 10));
    sweeper.scheduleWithFixedDelay(this::sweepQuietly, tick, tick, TimeUnit.MILLISECONDS);
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("submit deadline sweep failed: {}", e.toString()); // next tick tries again
    }
  }

  /** False once the submitter is closing or was fenced: the writer stops retrying then. */
  public boolean isRunning() {
    return running;
  }

  /** Completes, with why, once another replica took over this one's transactional id: it never writes again. */
  public CompletableFuture<String> fenced() {
    return fenced;
  }

  /** True while the last transaction attempt succeeded. */
  public boolean isKafkaReachable() {
    return kafkaReachable;
  }

  /**
   * Queues a job with a fresh id (never submitted before); the future completes when Kafka has it,
   * or fails with {@link SubmissionFailedException}.
   *
   * @throws JobTooLargeException if the job's record is larger than Kafka takes (nothing is queued)
   */
  public CompletableFuture<Void> submit(String jobId, TemplateInput job, String traceparent) {
    return enqueueJob(jobId, job, traceparent);
  }

  /**
   * Queues a job whose id comes from an idempotency key, so a client's retry may bring it again:
   * a retry while its first submission is still on its way joins that one, so this replica never
   * queues the same job id twice.
   *
   * @throws JobTooLargeException if the job's record is larger than Kafka takes (nothing is queued)
   */
  public CompletableFuture<Void> submitKeyed(String jobId, TemplateInput job, String traceparent) {
    return joiningInFlight(jobId, () -> enqueueJob(jobId, job, traceparent));
  }

  /** The submission of {@code jobId} already on its way from this replica, or a new one. */
  private CompletableFuture<Void> joiningInFlight(String jobId, Supplier<CompletableFuture<Void>> submit) {
    CompletableFuture<Void> answer = unconfirmed.computeIfAbsent(jobId, id -> submit.get());
    answer.whenComplete((ok, error) -> unconfirmed.remove(jobId, answer));
    return answer;
  }

  private CompletableFuture<Void> enqueueJob(String jobId, TemplateInput job, String traceparent) {
    JobStatus pending = pending(jobId, job, traceparent, null);
    return enqueue(new Submission(jobId, "submitted (task " + job.getTask() + ")", jobRecords(jobId, job, traceparent, pending), pending));
  }

  /**
   * The job, its Pending, and {@code alsoWrite} (the dead-letter topic's "replayed" marker) in one
   * transaction. The id is derived from the dead letter: a replay while another of the same dead
   * letter is on its way joins that one, as a keyed submission does.
   */
  public CompletableFuture<Void> submitReplay(String jobId, TemplateInput job, String replayOf, ProducerRecord<String, Object> alsoWrite) {
    return joiningInFlight(jobId, () -> {
      JobStatus pending = pending(jobId, job, null, replayOf);
      List<ProducerRecord<String, Object>> records = new ArrayList<>(jobRecords(jobId, job, null, pending));
      records.add(alsoWrite);
      return enqueue(new Submission(jobId, "submitted as a replay of " + replayOf, records, pending));
    });
  }

  /** Writes one record (a dead-letter marker) through the submit transactions. */
  public CompletableFuture<Void> write(String id, String what, ProducerRecord<String, Object> record) {
    return enqueue(new Submission(id, what, List.of(record), null));
  }

  private JobStatus pending(String jobId, TemplateInput job, String traceparent, String replayOf) {
    return JobStatuses.pending(jobId, job.getTask().name(), "gateway-" + settings.instanceId(), traceparent, replayOf);
  }

  private List<ProducerRecord<String, Object>> jobRecords(String jobId, TemplateInput job, String traceparent, JobStatus pending) {
    ProducerRecord<String, Object> jobRecord = serialized(new ProducerRecord<>(topics.input(), jobId, job));
    // W3C trace context travels with the job to the worker, which copies it into its status events.
    ControlRecords.addTraceparent(jobRecord.headers(), traceparent);
    return List.of(jobRecord, serialized(new ProducerRecord<>(topics.status(), jobId, pending)));
  }

  /**
   * Queues a cancel request for a job: a control record on the input topic, keyed by the job id so
   * it lands on the job's partition, after the job, where the worker that owns the job sees it.
   */
  public CompletableFuture<Void> cancel(String jobId, String traceparent) {
    return enqueue(new Submission(jobId, "cancel requested", List.of(serialized(ControlRecords.cancel(topics.input(), jobId, traceparent))),
        null));
  }

  /** The record with its value serialized here, on the caller's thread, and checked against the producer's limit. */
  private ProducerRecord<String, Object> serialized(ProducerRecord<String, Object> record) {
    try {
      return settings.recordLimit().serialized(record, values);
    } catch (RecordSizeLimit.TooLarge e) {
      throw new JobTooLargeException(e.size(), e.limit());
    } catch (SerializationException e) {
      throw SubmissionFailedException.notAccepted("cannot serialize the job for Kafka (is the schema registry reachable?): "
          + e.getMessage(), e);
    }
  }

  private CompletableFuture<Void> enqueue(Submission submission) {
    if (!running) {
      submission.acknowledged().completeExceptionally(SubmissionFailedException.notAccepted("gateway is shutting down", null));
    } else if (!queue.offer(submission)) {
      submission.acknowledged().completeExceptionally(
          SubmissionFailedException.notAccepted("submit queue full: Kafka is not keeping up", null));
    }
    // Its deadline is kept by the sweeper (one timer for all, not one per call).
    return submission.acknowledged();
  }

  /**
   * Runs every few milliseconds on one timer thread. Drops submissions not sent by their deadline
   * (never sent later): those still queued, oldest first (the queue is in deadline order, so it
   * stops at the first one still in time), and those a lane has taken but whose transaction has not
   * begun (a producer being replaced while Kafka is away). And, as a safety net, answers "outcome
   * unknown" for a batch whose transaction has run for four deadlines (the writer learns the
   * outcome well before).
   */
  void sweep() {
    long now = System.nanoTime();
    long deadline = settings.sendDeadline().toNanos();
    Submission head;
    while ((head = queue.peek()) != null && now - head.queuedAtNanos() >= deadline) {
      if (queue.remove(head)) { // a lane may have taken it meanwhile: then the lane's batch is checked below
        expire(head);
      }
    }
    for (LaneBatch batch : laneBatches.values()) {
      long sentAt = batch.sentAtNanos;
      for (Submission s : batch.submissions) {
        if (now - s.queuedAtNanos() >= deadline) {
          expire(s); // nothing if it was sent: then it hears its transaction's real outcome
        }
      }
      if (sentAt != 0 && now - sentAt >= 4 * deadline) {
        TimeoutException late = new TimeoutException("no commit outcome within " + 4 * settings.sendDeadline().toMillis() + " ms");
        batch.submissions.forEach(s -> s.acknowledged().completeExceptionally(SubmissionFailedException.outcomeUnknown(s.jobId(), late)));
      }
    }
  }

  private void expire(Submission submission) {
    submission.expireIfQueued("Kafka did not take the " + (submission.isJob() ? "job" : "request") + " within "
        + settings.sendDeadline().toMillis() + " ms; it was not sent and will not be");
  }

  private void run(TransactionalWriter writer) {
    List<Submission> batch = new ArrayList<>(MAX_BATCH);
    while ((running || !queue.isEmpty()) && !fenced.isDone()) {
      try {
        Submission first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        LaneBatch current = new LaneBatch(List.copyOf(batch));
        laneBatches.put(writer, current);
        try {
          writeInOneTransaction(writer, batch, current);
        } finally {
          laneBatches.remove(writer);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (TransactionalWriter.Fenced e) {
        // Another gateway runs with this instance id and took over its transactional id: this
        // replica must not write again. Health goes NOT_SERVING; callers get UNAVAILABLE.
        log.error("fenced: another gateway uses instance id {}; this replica accepts no more jobs ({})", settings.instanceId(),
            e.getMessage());
        running = false;
        setReachable(false);
        batch.forEach(s -> s.acknowledged().completeExceptionally(SubmissionFailedException.notAccepted(
            "this gateway replica was fenced by another with its instance id; retry on another replica", e)));
        fenced.complete("another gateway took over instance id " + settings.instanceId() + " (" + e.getMessage()
            + "); give each replica its own GATEWAY_INSTANCE_ID");
      } finally {
        batch.clear();
      }
    }
    failAll("gateway is not accepting jobs (shutting down, or fenced by another replica with its instance id)");
  }

  private void writeInOneTransaction(TransactionalWriter writer, List<Submission> batch, LaneBatch current) {
    try {
      writer.write(transaction -> {
        // Claimed only now, with the transaction open: one that expired meanwhile was already answered.
        batch.removeIf(s -> !s.markSent());
        current.sentAtNanos = System.nanoTime();
        OwnPendings told = ownPendings;
        batch.forEach(s -> {
          if (told != null && s.isJob()) {
            told.writing(s.jobId(), s.pending());
          }
        });
        batch.forEach(s -> s.records().forEach(transaction::send));
      });
    } catch (TransactionalWriter.Aborted e) {
      log.warn("submit transaction of {} job(s) failed, nothing of it is visible: {}", batch.size(), e.getMessage());
      if (ownPendings != null) {
        ownPendings.notWritten(batch.stream().map(Submission::jobId).toList());
      }
      setReachable(false);
      List<Submission> failed = List.copyOf(batch);
      completions.execute(() -> failed.forEach(s -> s.acknowledged().completeExceptionally(
          SubmissionFailedException.notAccepted("Kafka did not take the job: " + e.getMessage(), e))));
      return;
    } catch (TransactionalWriter.OutcomeUnknown e) {
      log.warn("submit transaction of {} job(s): commit outcome unknown: {}", batch.size(), e.getMessage());
      setReachable(false);
      List<Submission> unknown = List.copyOf(batch);
      completions.execute(() -> unknown.forEach(s -> s.acknowledged().completeExceptionally(SubmissionFailedException.outcomeUnknown(s.jobId(), e))));
      return;
    }
    setReachable(true);
    batchSizes.record(batch.size());
    submitted.increment(batch.stream().filter(Submission::isJob).count());
    List<Submission> done = List.copyOf(batch);
    if (log.isDebugEnabled()) {
      done.forEach(s -> log.debug("job {} {}", s.jobId(), s.what()));
    }
    // The lane goes on to its next batch at once; callers' answers are written elsewhere.
    completions.execute(() -> done.forEach(s -> s.acknowledged().complete(null)));
  }

  private synchronized void setReachable(boolean reachable) {
    if (kafkaReachable != reachable) {
      kafkaReachable = reachable;
      stateListener.run();
    }
  }

  private void failAll(String reason) {
    SubmissionFailedException failure = SubmissionFailedException.notAccepted(reason, null);
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
      for (Thread lane : lanes) {
        lane.join(30_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writers.forEach(writer -> writer.close(Duration.ofSeconds(5)));
    sweeper.shutdownNow();
    completions.shutdown();
    try {
      completions.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
