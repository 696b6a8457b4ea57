package org.scix.pipeline.gateway.submit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.OwnPendings;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts jobs on the input topic and their Pending status on the status topic <em>in one Kafka
 * transaction</em>, so a worker (reading {@code read_committed}) can only see a job whose Pending
 * is already on the status topic: a worker's Processing always lands after it. That is the order
 * the original lost.
 *
 * <p>The parts, one job each: {@link JobRecords} builds and size-checks the records on the
 * caller's thread; the {@link SubmitQueue} holds them under their send deadline; each
 * {@link SubmitLane} (its own transactional producer) drains whatever is queued into one
 * transaction. This class is the front: it joins a retry to its in-flight first submission, and
 * owns the replica's state (reachable, fenced). A submission is answered only after its own
 * transaction committed; once sent, it hears the transaction's real outcome: committed, not
 * committed, or unknown (the {@link TransactionalWriter} tells these apart).
 */
public final class JobSubmitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobSubmitter.class);
  /** Ids that keep to one partition at most in a row: a submit transaction carries about as many at full load. */
  private static final int MAX_IDS_PER_PARTITION = 64;

  /** Builds the writer of one lane (0 to lanes - 1); it stops retrying an unreachable Kafka once {@code keepTrying} turns false. */
  @FunctionalInterface
  public interface LaneWriters {
    TransactionalWriter create(int lane, BooleanSupplier keepTrying);
  }

  private final JobRecords records;
  private final SubmitterSettings settings;
  private final SubmitQueue queue;
  private final FreshJobIds freshIds; // null: ids uniformly random
  private final List<SubmitLane> lanes = new ArrayList<>();
  private final ExecutorService completions = Executors.newFixedThreadPool(2, Threads.daemonFactory("submit-completions"));
  private final Runnable onReachabilityChange;
  private final CompletableFuture<String> fenced = new CompletableFuture<>();
  private final Map<String, CompletableFuture<Void>> unconfirmed = new ConcurrentHashMap<>(); // by job id
  private volatile boolean running = true;
  private volatile boolean kafkaReachable;

  /**
   * @param ownPendings told of each Pending as it is written, so the status reader need not decode it back
   * @param onReachabilityChange called (on a lane's thread) whenever {@link #isKafkaReachable} changes
   */
  public JobSubmitter(JobRecords records, LaneWriters writers, SubmitterSettings settings, OwnPendings ownPendings,
      Runnable onReachabilityChange, MeterRegistry metrics) {
    this.records = records;
    this.settings = settings;
    this.onReachabilityChange = onReachabilityChange;
    this.queue = new SubmitQueue(settings.sendDeadline());
    this.freshIds = settings.partitionSpan().isZero() ? null
        : new FreshJobIds(records.inputPartitions(), settings.partitionSpan(), MAX_IDS_PER_PARTITION);
    Counter submitted = Counter.builder("pipeline.jobs.submitted").description("Jobs acknowledged by Kafka").register(metrics);
    DistributionSummary batchSizes = DistributionSummary.builder("pipeline.submit.batch.size")
        .description("Jobs per submit transaction").register(metrics);
    Timer transactionDuration = Timer.builder("pipeline.submit.transaction.duration")
        .description("Each submit transaction, from taking its batch to its commit or failure").publishPercentileHistogram()
        .register(metrics);
    SubmitLane.Outcomes outcomes = new SubmitLane.Outcomes() {
      @Override
      public boolean keepGoing() {
        return !fenced.isDone() && (running || !queue.isEmpty());
      }

      @Override
      public void reachable(boolean reachable) {
        setReachable(reachable);
      }

      @Override
      public void fenced(TransactionalWriter.Fenced e) {
        onFenced(e);
      }
    };
    for (int lane = 0; lane < settings.lanes(); lane++) {
      lanes.add(new SubmitLane(lane, writers.create(lane, this::isRunning), queue, ownPendings, outcomes, completions, submitted,
          batchSizes, transactionDuration));
    }
  }

  /** The transactional id of a gateway replica: one per instance id, so a restart fences its predecessor. */
  public static String transactionalId(String instanceId) {
    return "scix-gateway-" + instanceId;
  }

  /** The transactional id of one lane of a replica; lane 0 keeps the replica's own. */
  public static String transactionalId(String instanceId, int lane) {
    return lane == 0 ? transactionalId(instanceId) : transactionalId(instanceId) + "-lane" + lane;
  }

  /** Initialises each lane's producer (fencing a predecessor with the same instance id), then starts the lanes and the deadline timer. */
  public void start() {
    lanes.forEach(lane -> lane.init(records.topicsWritten()));
    setReachable(true);
    lanes.forEach(SubmitLane::start);
    queue.start();
  }

  /** False once the submitter is closing or was fenced: the writers stop retrying then. */
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

  /** An id for a job submitted without a key: random, and on the partition jobs submitted just now go to ({@link FreshJobIds}). */
  public String freshJobId() {
    return freshIds == null ? JobIds.random() : freshIds.next();
  }

  /**
   * Queues a job with a fresh id (never submitted before); the future completes when Kafka has it,
   * or fails with {@link SubmissionFailedException}.
   *
   * @throws JobTooLargeException if the job's record is larger than Kafka takes (nothing is queued)
   */
  public CompletableFuture<Void> submit(String jobId, TemplateInput job, String traceparent, Priority priority) {
    return enqueue(records.freshJob(jobId, job, traceparent, priority));
  }

  /**
   * Queues a delayed job: it waits on the delayed topic until {@code due}, then the replica that
   * owns it hands it to the workers. Joins a submission of the same id on its way (keyed retries).
   *
   * @throws JobTooLargeException if the job's record is larger than Kafka takes (nothing is queued)
   */
  public CompletableFuture<Void> submitDelayed(String jobId, TemplateInput job, String traceparent, Instant due, Priority priority) {
    return joiningInFlight(jobId, () -> enqueue(records.delayed(jobId, job, traceparent, due, priority)));
  }

  /**
   * Queues a job whose id comes from an idempotency key, so a client's retry may bring it again:
   * a retry while its first submission is still on its way joins that one, so this replica never
   * queues the same job id twice.
   *
   * @throws JobTooLargeException if the job's record is larger than Kafka takes (nothing is queued)
   */
  public CompletableFuture<Void> submitKeyed(String jobId, TemplateInput job, String traceparent, Priority priority) {
    return joiningInFlight(jobId, () -> enqueue(records.job(jobId, job, traceparent, priority)));
  }

  /**
   * The job, its Pending, and {@code marker} (the dead-letter topic's "replayed" record) in one
   * transaction. The id is derived from the dead letter: a replay while another of the same dead
   * letter is on its way joins that one, as a keyed submission does.
   */
  public CompletableFuture<Void> submitReplay(String jobId, TemplateInput job, String replayOf, ProducerRecord<String, Object> marker) {
    return joiningInFlight(jobId, () -> enqueue(records.replay(jobId, job, replayOf, marker)));
  }

  /** Writes one record (a dead-letter marker) through the submit transactions. */
  public CompletableFuture<Void> write(String id, String what, ProducerRecord<String, Object> record) {
    return enqueue(records.marker(id, what, record));
  }

  /**
   * Queues a cancel request where the job's owner meets it: a control record after the job on its
   * input partition, where its worker sees it; for a delayed job not handed to the workers yet, a
   * request on the delayed topic, where the replica that owns it cancels it (or, if it handed it on
   * meanwhile, passes the cancel on to the input topic).
   */
  public CompletableFuture<Void> cancel(JobRecord job, String traceparent) {
    return enqueue(job.isWaitingForDueTime() ? records.cancelDelayed(job.jobId(), job.task(), traceparent)
        : records.cancel(job.jobId(), job.priority(), job.task(), traceparent));
  }

  /** The submission of {@code jobId} already on its way from this replica, or a new one. */
  private CompletableFuture<Void> joiningInFlight(String jobId, Supplier<CompletableFuture<Void>> submit) {
    CompletableFuture<Void> answer = unconfirmed.computeIfAbsent(jobId, id -> submit.get());
    answer.whenComplete((ok, error) -> unconfirmed.remove(jobId, answer));
    return answer;
  }

  private CompletableFuture<Void> enqueue(Submission submission) {
    if (!running) {
      submission.acknowledged().completeExceptionally(SubmissionFailedException.notAccepted("gateway is shutting down", null));
    } else if (!queue.offer(submission)) {
      submission.acknowledged().completeExceptionally(
          SubmissionFailedException.notAccepted("submit queue full: Kafka is not keeping up", null));
    }
    return submission.acknowledged();
  }

  private void onFenced(TransactionalWriter.Fenced e) {
    // Another gateway runs with this instance id and took over its transactional id, or this
    // one was paused past the transaction timeout and cannot prove it has no successor (the
    // zombie case: RetiredLanes and a restart's init are the only fences of submit lanes). It must
    // not write again. Health goes NOT_SERVING; callers get UNAVAILABLE; a restart fences cleanly.
    log.error("fenced: another gateway uses instance id {}; this replica accepts no more jobs ({})", settings.instanceId(),
        e.getMessage());
    running = false;
    setReachable(false);
    fenced.complete("another gateway took over instance id " + settings.instanceId() + ", or this one was paused past its transaction"
        + " timeout (" + e.getMessage() + "); give each replica its own GATEWAY_INSTANCE_ID, and restart this one");
  }

  private synchronized void setReachable(boolean reachable) {
    if (kafkaReachable != reachable) {
      kafkaReachable = reachable;
      onReachabilityChange.run();
    }
  }

  /** Finishes queued submissions (bounded by the producer's timeouts), then closes the producers. */
  @Override
  public void close() {
    running = false;
    try {
      for (SubmitLane lane : lanes) {
        lane.join(Duration.ofSeconds(30));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lanes.forEach(SubmitLane::closeWriter);
    queue.close();
    completions.shutdown();
    try {
      completions.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
