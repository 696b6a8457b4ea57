package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.registry.SchemaRegistryException;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.testing.GatedProducer;
import org.scix.pipeline.worker.task.RetryableTaskException;
import org.scix.pipeline.worker.task.TaskRegistry;

/**
 * The worker's poll loop without a broker (Kafka's MockConsumer and MockProducer): the test owns
 * the task threads, so it decides when each job's task runs and in which order.
 */
class WorkerLoopTest {
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));
  private static final TopicPartition P0 = new TopicPartition(TOPICS.input(), 0);
  private static final TopicPartition P1 = new TopicPartition(TOPICS.input(), 1);

  private static final LoopSettings SETTINGS = LoopSettings.defaults("worker-test").withConcurrency(4)
      .withDeadlines(Map.of(taskenum.SYMBOL1, Duration.ofMillis(300)));

  private TestConsumer consumer = new TestConsumer();
  private final List<GatedProducer> producers = new ArrayList<>(); // a new one after each replacement
  private GatedProducer producer;
  private final Map<byte[], Object> serialized = Collections.synchronizedMap(new IdentityHashMap<>()); // value bytes -> record
  private final Map<String, Integer> outputBytes = new ConcurrentHashMap<>();
  private volatile boolean registryDown;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Runnable> taskThreads = new ArrayList<>(); // queued tasks; the test runs them
  private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final Map<String, Long> offsets = new HashMap<>();
  private final Set<String> ignoringInterrupts = ConcurrentHashMap.newKeySet();
  private final Set<String> pollingIsCancelled = ConcurrentHashMap.newKeySet();
  private volatile boolean releaseStuckTasks;
  private final Map<String, Steps> progressSteps = new ConcurrentHashMap<>();

  /** A task that reports progress step by step, in lockstep with the test. */
  private record Steps(java.util.concurrent.Semaphore reported, java.util.concurrent.Semaphore next) {
    Steps() {
      this(new java.util.concurrent.Semaphore(0), new java.util.concurrent.Semaphore(0));
    }
  }
  private WorkerLoop loop;
  private final ControlState controls = ControlState.inMemory();

  @BeforeEach
  void start() {
    startAssigned(SETTINGS);
  }

  /** A loop with these settings holding both partitions. */
  private void startAssigned(LoopSettings settings) {
    startLoop(settings);
    consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    consumer.rebalance(List.of(P0, P1));
  }

  @AfterEach
  void releaseStuck() {
    releaseStuckTasks = true;
  }

  /** A loop over {@link #consumer} (as a restarted worker would be, when the test swaps the consumer first). */
  private void startLoop(LoopSettings settings) {
    startLoop(settings, Runnable::run);
  }

  /** ... whose transactions run on {@code commitThread} ({@code Runnable::run}: on the poll thread, so each turn commits). */
  private void startLoop(LoopSettings settings, Executor commitThread) {
    TaskRegistry tasks = TaskRegistry.of(Map.of(taskenum.SYMBOL1, context -> {
      runs.computeIfAbsent(context.jobId(), id -> new AtomicInteger()).incrementAndGet();
      while (ignoringInterrupts.contains(context.jobId()) && !releaseStuckTasks) {
        Thread.onSpinWait(); // a task that never looks at interrupts or isCancelled()
      }
      while (pollingIsCancelled.contains(context.jobId()) && !context.isCancelled() && !releaseStuckTasks) {
        Thread.onSpinWait(); // a task that ignores interrupts but stops once isCancelled()
      }
      if (progressSteps.containsKey(context.jobId())) {
        for (int step = 1; step <= 10; step++) { // reports step of 10, then waits for the test's turn
          context.progress(step, 10, "step " + step);
          progressSteps.get(context.jobId()).reported.release();
          progressSteps.get(context.jobId()).next.acquireUninterruptibly();
        }
      }
      AtomicInteger failures = failuresLeft.get(context.jobId());
      if (failures != null && failures.getAndDecrement() > 0) {
        throw new RetryableTaskException("transient");
      }
      context.emit(context.jobId() + "-out", "x".repeat(outputBytes.getOrDefault(context.jobId(), 2)));
    }));
    AtomicBoolean running = new AtomicBoolean(true);
    TransactionalWriter writer = new TransactionalWriter("test-worker", () -> {
      producer = new GatedProducer();
      producers.add(producer);
      return producer;
    }, running::get, Duration.ofMillis(100));
    loop = new WorkerLoop(settings, running, TOPICS,
        consumer, new BatchWriter(TOPICS, writer, this::serialize, new RecordSizeLimit(4096), "worker-test"), new JobDecoder(jobsById()),
        new RetryingTaskRunner(tasks, 3, Duration.ZERO), taskThreads::add, commitThread, new WorkerMetrics(meters),
        controls);
    loop.open();
  }

  @Test
  void aJobsResultsCommitWhenItEndsWhileTheOffsetWaitsForTheFirstJobStillRunning() {
    String a = job(P0);
    String b = job(P0);
    String c = job(P0);
    loop.turn();
    assertThat(taskThreads).hasSize(3);

    taskThreads.get(2).run(); // c, then b, finish while a still runs
    taskThreads.get(1).run();
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(b, c);
    assertThat(committedOffsets()).containsEntry(P0, 0L); // not past a
    assertThat(committedMetadata(P0)).startsWith("v2|d=1-2|"); // b and c are done above it

    taskThreads.get(0).run();
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(b, c, a);
    assertThat(committedOffsets()).containsEntry(P0, 3L);
    assertThat(committedMetadata(P0)).startsWith("v2|d=|");
    assertThat(outputs()).containsExactlyInAnyOrder(a + "-out", b + "-out", c + "-out");
  }

  /**
   * The partition changes owner while a runs and b, c are done: the new owner gets a, b, c again
   * from the committed offset, runs only a, and also skips a second record of b (a racing
   * resubmission of the same job).
   */
  @Test
  void eachCommitIsTimedAndCounted() {
    job(P0);
    loop.turn();
    taskThreads.get(0).run();
    loop.turn();
    assertThat(terminalStatuses()).hasSize(1);
    double commits = meters.get("pipeline.worker.transactions").counter().count();
    assertThat(commits).isGreaterThanOrEqualTo(1.0); // its Processing may have had a commit of its own
    assertThat(meters.get("pipeline.worker.transaction.duration").timer().count()).isEqualTo((long) commits);
  }

  @Test
  void aNewOwnerRunsOnlyWhatIsNotDoneAndSkipsASecondRecordOfADoneJob() {
    String a = job(P0);
    String b = job(P0);
    String c = job(P0);
    loop.turn();
    taskThreads.get(1).run();
    taskThreads.get(2).run();
    loop.turn();

    restartOn(P0);
    for (String id : List.of(a, b, c, b)) {
      redeliver(P0, id);
    }
    taskThreads.clear();
    loop.turn();

    assertThat(taskThreads).hasSize(1); // a alone
    taskThreads.get(0).run();
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(b, c, a); // b and c once each
    assertThat(runs.get(b)).hasValue(1);
    assertThat(committedOffsets()).containsEntry(P0, 4L);
  }

  /** A Success names where its job's outputs landed (partition and offsets, as the broker acknowledged them), so they are read by job id. */
  @Test
  void aSuccessNamesThePartitionAndOffsetsOfItsJobsOutputs() {
    String a = job(P0);
    String b = job(P0);
    loop.turn();
    taskThreads.forEach(Runnable::run);
    loop.turn();
    loop.turn();
    List<ProducerRecord<String, Object>> outputRecords = history().stream().filter(r -> r.topic().equals(TOPICS.output())).toList();
    assertThat(terminalStatuses()).hasSize(2).allSatisfy(end -> {
      assertThat(end.getOutputCount()).isEqualTo(1);
      assertThat(end.getOutputOffsets()).hasSize(1);
      assertThat(end.getOutputFirstOffset()).isEqualTo(end.getOutputOffsets().get(0)).isEqualTo(end.getOutputLastOffset());
      assertThat(outputRecords).filteredOn(r -> r.key().equals(end.getJobId())).hasSize(1);
    });
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactlyInAnyOrder(a, b);
    assertThat(terminalStatuses()).extracting(JobStatus::getOutputFirstOffset).doesNotHaveDuplicates();
  }

  @Test
  void aSecondRecordOfAJobAlreadyHeldIsSkipped() {
    String a = job(P0);
    redeliver(P0, a); // a second enqueue of the same job id, as two replicas racing on one key would
    loop.turn();
    theOnlyStartedJobRunsAndEnds(a);
    assertThat(committedOffsets()).containsEntry(P0, 2L);
  }

  /** The fast lane: interactive jobs go first, though received later, and every Nth start goes to a waiting bulk job. */
  @Test
  void interactiveJobsStartBeforeBulkJobsReceivedEarlierAndEveryThirdStartGoesToBulk() {
    TopicPartition bulk = new TopicPartition(TOPICS.bulkInput(), 0);
    startLoop(LoopSettings.defaults("worker-test").withInteractivePerBulk(2));
    consumer.updateBeginningOffsets(Map.of(P0, 0L, bulk, 0L));
    consumer.rebalance(List.of(P0, bulk));
    List<String> bulkJobs = List.of(job(bulk), job(bulk), job(bulk));
    List<String> interactiveJobs = List.of(job(P0), job(P0), job(P0));
    loop.turn();
    for (int i = 0; i < 6; i++) { // concurrency 1: one start per turn, in the order the loop chose
      assertThat(taskThreads).hasSize(i + 1);
      taskThreads.get(i).run();
      loop.turn();
    }
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(interactiveJobs.get(0), interactiveJobs.get(1),
        bulkJobs.get(0), interactiveJobs.get(2), bulkJobs.get(1), bulkJobs.get(2));
    assertThat(terminalStatuses()).filteredOn(e -> bulkJobs.contains(e.getJobId())).extracting(JobStatus::getPriority)
        .containsOnly("bulk");
    assertThat(terminalStatuses()).filteredOn(e -> interactiveJobs.contains(e.getJobId())).extracting(JobStatus::getPriority)
        .containsOnlyNulls();
  }

  /**
   * Read-ahead is bounded by the commits too: a partition whose ended jobs wait for a commit that
   * has not run is paused, though no job of it waits for a thread, and the other partition is not.
   */
  @Test
  void aPartitionWhoseEndedJobsWaitForTheirCommitIsPausedThoughNoJobWaitsForAThread() {
    List<Runnable> commits = new ArrayList<>(); // the commit thread, never run: transactions queue up
    startLoop(LoopSettings.defaults("worker-test").withConcurrency(4).withWaitingPerPartition(4), commits::add);
    consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    consumer.rebalance(List.of(P0, P1));
    for (int i = 0; i < 4; i++) {
      job(P0);
    }
    loop.turn();
    assertThat(taskThreads).hasSize(4);
    taskThreads.forEach(Runnable::run); // all four end at once; their commit does not come
    loop.turn();
    loop.turn();
    assertThat(commits).isNotEmpty();
    assertThat(consumer.paused()).containsExactly(P0);
  }

  /**
   * Progress 1 to 10, each published in a Processing event (interval zero) in order and all before
   * the job's terminal status; with the default interval, at most one a second: only the first here.
   */
  @Test
  void aTasksProgressIsPublishedInOrderAtMostOncePerIntervalAndNeverAfterItsEnd() throws Exception {
    for (Duration interval : List.of(Duration.ZERO, Duration.ofHours(1))) {
      startAssigned(LoopSettings.defaults("worker-test").withProgressInterval(interval));
      taskThreads.clear();
      String id = JobIds.random();
      Steps steps = new Steps();
      progressSteps.put(id, steps);
      redeliver(P0, id);
      loop.turn();
      Thread task = new Thread(taskThreads.get(0));
      task.start();
      for (int step = 1; step <= 10; step++) {
        steps.reported.acquire();
        loop.turn(); // publishes the step just reported, if due
        steps.next.release();
      }
      task.join(5000);
      loop.turn();
      loop.turn();

      List<JobStatus> events = statuses(id);
      List<Long> published = events.stream().filter(e -> e.getProgressDone() != null).map(JobStatus::getProgressDone).toList();
      assertThat(published).as("interval %s", interval)
          .isEqualTo(interval.isZero() ? List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L) : List.of(1L));
      assertThat(events).last().extracting(JobStatus::getStatus).isEqualTo(JobState.Success);
      assertThat(events.stream().filter(e -> e.getProgressDone() != null)).allSatisfy(e -> {
        assertThat(e.getStatus()).isEqualTo(JobState.Processing);
        assertThat(e.getProgressTotal()).isEqualTo(10);
        assertThat(e.getProgressMessage()).isEqualTo("step " + e.getProgressDone());
      });
    }
  }

  /** A task that stops heartbeating ends Error "no heartbeat" once its timeout passes, and its slot runs the next job. */
  @Test
  void aTaskThatStopsHeartbeatingEndsErrorAndItsSlotRunsTheNextJob() throws Exception {
    startAssigned(LoopSettings.defaults("worker-test").withHeartbeatTimeouts(Map.of(taskenum.SYMBOL1, Duration.ofMillis(200))));
    String silent = job(P0);
    String next = job(P0);
    ignoringInterrupts.add(silent);
    loop.turn();
    assertThat(taskThreads).hasSize(1); // concurrency 1: next waits
    Thread thread = new Thread(taskThreads.get(0));
    thread.start();
    Thread.sleep(400);

    loop.turn();
    assertThat(statuses(silent)).last().satisfies(s -> {
      assertThat(s.getStatus()).isEqualTo(JobState.Error);
      assertThat(s.getErrorReason()).isEqualTo("no heartbeat for 200 ms");
    });
    assertThat(taskThreads).hasSize(2); // the slot went to next
    taskThreads.get(1).run();
    loop.turn();
    assertThat(statuses(next)).last().extracting(JobStatus::getStatus).isEqualTo(JobState.Success);
    releaseStuckTasks = true;
    thread.join(5000);
  }

  /** A cancelled batch (the control topic): its waiting jobs never start, its running one is stopped, other jobs go on. */
  @Test
  void onceItsBatchIsCancelledAJobWaitingNeverStartsAndARunningOneIsStopped() {
    startAssigned(LoopSettings.defaults("worker-test")); // concurrency 1
    String batch = JobIds.randomBatchId();
    String running = batchJob(P0, batch);
    String waiting = batchJob(P0, batch);
    String other = job(P0);
    loop.turn();
    assertThat(taskThreads).hasSize(1); // running's task: handed to a thread, not run yet

    controls.cancelBatch(batch);
    loop.turn();
    assertThat(taskThreads).hasSize(2); // the freed slot went to other, not to waiting
    taskThreads.forEach(Runnable::run);
    for (int i = 0; i < 3; i++) {
      loop.turn(); // one job per transaction
    }

    assertThat(runs).containsOnlyKeys(other);
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus, JobStatus::getErrorReason)
        .containsExactlyInAnyOrder(tuple(running, JobState.Error, ControlRecords.CANCELLED_REASON),
            tuple(waiting, JobState.Error, ControlRecords.CANCELLED_REASON), tuple(other, JobState.Success, null));
    assertThat(statuses(running)).last().extracting(JobStatus::getBatchId).isEqualTo(batch);
    assertThat(committedOffsets()).containsEntry(P0, 3L);
  }

  /** A job received after its batch was cancelled ends at once, never started. */
  @Test
  void aJobOfABatchCancelledBeforeItArrivesNeverStarts() {
    String batch = JobIds.randomBatchId();
    controls.cancelBatch(batch);
    String late = batchJob(P0, batch);
    loop.turn();
    loop.turn();
    assertThat(taskThreads).isEmpty();
    assertThat(statuses(late)).extracting(JobStatus::getStatus).containsExactly(JobState.Error);
  }

  /** A task's concurrency limit (the control topic) caps its jobs running here; lifting it lets the waiting ones start. */
  @Test
  void aTasksConcurrencyLimitCapsItsRunningJobsAndLiftingItStartsTheRest() {
    controls.limit(taskenum.SYMBOL1.name(), new TaskControls.Limit(1, 0, "test"));
    job(P0);
    job(P0);
    job(P1);
    loop.turn();
    assertThat(taskThreads).as("concurrency 4, limit 1").hasSize(1);

    taskThreads.get(0).run();
    loop.turn();
    assertThat(runs).hasSize(1);
    assertThat(taskThreads).as("the next one starts once the first ended").hasSize(2);

    controls.limit(taskenum.SYMBOL1.name(), null);
    loop.turn();
    assertThat(taskThreads).hasSize(3);
  }

  /** A job cancelled on the control topic (while its task was paused) never starts, and its end tombstones that record. */
  @Test
  void aJobCancelledOnTheControlTopicNeverStartsAndItsEndCarriesTheCancelOut() {
    String cancelled = job(P0);
    controls.cancelJob(cancelled, true);
    String other = job(P0);
    loop.turn();
    taskThreads.forEach(Runnable::run);
    loop.turn();
    loop.turn();

    assertThat(runs).containsOnlyKeys(other);
    assertThat(statuses(cancelled)).extracting(JobStatus::getStatus, JobStatus::getErrorReason)
        .containsExactly(tuple(JobState.Error, ControlRecords.CANCELLED_REASON));
    assertThat(producers.stream().flatMap(p -> p.history().stream()).filter(r -> r.topic().equals(TOPICS.control())))
        .singleElement().satisfies(r -> {
          assertThat(r.key()).isEqualTo("job/" + cancelled + "/cancelled");
          assertThat(r.value()).isNull();
        });
  }

  /** A task paused while its jobs wait: they are parked (copied to the parked topic with their offsets), never started; the running one finishes. */
  @Test
  void aPausedTasksWaitingJobsAreParkedAndNeverStartWhileItsRunningJobFinishes() {
    startAssigned(LoopSettings.defaults("worker-test")); // concurrency 1
    String running = job(P0);
    String waiting = job(P0);
    loop.turn();
    assertThat(taskThreads).hasSize(1);

    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    String arrivingWhilePaused = job(P1);
    loop.turn();
    taskThreads.forEach(Runnable::run);
    for (int i = 0; i < 3; i++) {
      loop.turn();
    }

    assertThat(runs).containsOnlyKeys(running);
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(running);
    assertThat(parked()).extracting(ProducerRecord::key).containsExactlyInAnyOrder(waiting, arrivingWhilePaused);
    assertThat(parked()).allSatisfy(r ->
        assertThat(r.partition()).isEqualTo(ParkedJobs.partition(taskenum.SYMBOL1, r.key(), TOPICS.partitions())));
    assertThat(statuses(waiting)).as("a parked job stays Pending").isEmpty();
    assertThat(committedOffsets()).containsEntry(P0, 2L).containsEntry(P1, 1L);
  }

  /** The parked topic's partitions of a paused task stay paused (their jobs wait in Kafka); they resume with the task. */
  @Test
  void theParkedPartitionsOfAPausedTaskArePausedUntilItIsResumed() {
    TopicPartition parkedSymbol1 = new TopicPartition(TOPICS.parked(), ParkedJobs.partition(taskenum.SYMBOL1, JobIds.random(), TOPICS.partitions()));
    TopicPartition parkedSymbol2 = new TopicPartition(TOPICS.parked(), ParkedJobs.partition(taskenum.SYMBOL2, JobIds.random(), TOPICS.partitions()));
    consumer.updateBeginningOffsets(Map.of(parkedSymbol1, 0L, parkedSymbol2, 0L));
    consumer.rebalance(List.of(P0, P1, parkedSymbol1, parkedSymbol2));
    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    loop.turn();
    assertThat(consumer.paused()).containsExactly(parkedSymbol1);

    controls.resume(taskenum.SYMBOL1.name());
    String resumed = job(parkedSymbol1);
    loop.turn();
    assertThat(consumer.paused()).isEmpty();
    loop.turn();
    taskThreads.forEach(Runnable::run);
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus).containsExactly(tuple(resumed, JobState.Success));
    assertThat(statuses(resumed)).last().extracting(JobStatus::getPriority).as("resumed jobs run as bulk ones").isEqualTo("bulk");
  }

  /**
   * A cancel that finds no job here, naming the job's task, follows the job to the parked topic (it
   * may have been parked); one read from the parked topic or naming no task does not (no loop).
   */
  @Test
  void aCancelThatFindsNoJobHereFollowsItsJobToTheParkedTopicOnce() {
    String parkedJob = JobIds.random();
    TopicPartition parkedPartition = new TopicPartition(TOPICS.parked(), ParkedJobs.partition(taskenum.SYMBOL2, parkedJob, TOPICS.partitions()));
    consumer.updateBeginningOffsets(Map.of(parkedPartition, 0L));
    consumer.rebalance(List.of(P0, P1, parkedPartition));
    cancel(P0, parkedJob, taskenum.SYMBOL2.name());
    cancel(P0, JobIds.random(), null);
    cancel(parkedPartition, JobIds.random(), taskenum.SYMBOL2.name());
    loop.turn();
    loop.turn();

    assertThat(parked()).extracting(ProducerRecord::key, ProducerRecord::partition)
        .containsExactly(tuple(parkedJob, parkedPartition.partition()));
    assertThat(ControlRecords.instruction(parked().get(0).headers())).isEqualTo(ControlRecords.CANCEL);
    assertThat(committedOffsets()).containsEntry(P0, 2L).containsEntry(parkedPartition, 1L);
  }

  /**
   * A keyed job's second record (two replicas raced on its key) comes after many other jobs
   * committed on its partition: it is still skipped. Before, only the last 64 ids were kept, a
   * busy partition commits that many in well under a second, and the job ran twice.
   */
  @Test
  void aSecondRecordOfAKeyedJobIsSkippedAfterManyOtherJobsCommittedOnItsPartition() {
    String keyed = job(P0);
    runUntilIdle();
    for (int i = 0; i < 100; i++) {
      job(P0);
    }
    runUntilIdle();
    redeliver(P0, keyed);
    runUntilIdle();

    assertThat(runs.get(keyed)).hasValue(1);
    assertThat(terminalStatuses()).filteredOn(s -> s.getJobId().equals(keyed)).hasSize(1);
  }

  /**
   * The first record of a keyed job is parked (its task paused); the task is resumed and the
   * job's second record arrives on the input: it is skipped, the parked copy runs. Before, a
   * parked job's id was not kept, the second record ran, and the parked copy ran again (measured
   * in a chaos run: one doubled job).
   */
  @Test
  void aSecondRecordOfAJobWhoseFirstWasParkedIsSkipped() {
    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    String keyed = job(P0);
    runUntilIdle();
    controls.resume(taskenum.SYMBOL1.name());
    redeliver(P0, keyed);
    runUntilIdle();

    assertThat(parked()).extracting(ProducerRecord::key).containsExactly(keyed);
    assertThat(runs).doesNotContainKey(keyed);
  }

  /**
   * A job whose id can come again (a batch entry) waits on the parked topic; its task is resumed,
   * then paused again before the job starts: the job is parked again, onto the same parked
   * partition (chosen by its id), and that copy must run once the task is resumed. Before, the
   * first copy's park kept the id as taken on that partition, the new copy was skipped as a second
   * record of the job, and the job never ended (a 2-minute chaos run: one batch job lost).
   */
  @Test
  void aJobParkedAgainFromTheParkedTopicRunsOnceItsTaskIsResumed() {
    String jobId = JobIds.random();
    TopicPartition parkedPartition = new TopicPartition(TOPICS.parked(), ParkedJobs.partition(taskenum.SYMBOL1, jobId, TOPICS.partitions()));
    consumer.updateBeginningOffsets(Map.of(parkedPartition, 0L));
    consumer.rebalance(List.of(P0, P1, parkedPartition));
    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    redeliver(parkedPartition, jobId); // polled before flow control pauses the partition
    runUntilIdle();
    assertThat(parked()).extracting(ProducerRecord::key, ProducerRecord::partition).containsExactly(tuple(jobId, parkedPartition.partition()));

    controls.resume(taskenum.SYMBOL1.name());
    redeliver(parkedPartition, jobId); // the copy parked again
    runUntilIdle();

    assertThat(runs.get(jobId)).hasValue(1);
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus).containsExactly(tuple(jobId, JobState.Success));
  }

  /** A job whose id the gateway drew at random is not remembered: no second record of it can exist. */
  @Test
  void theIdOfAJobWithAFreshIdIsNotKeptInTheCommitMetadata() {
    String fresh = JobIds.random();
    RecordHeaders headers = new RecordHeaders();
    headers.add(ControlRecords.FRESH_ID, new byte[] {1});
    consumer.addRecord(new ConsumerRecord<>(P0.topic(), P0.partition(), nextOffset(P0), 0L, TimestampType.CREATE_TIME,
        -1, -1, fresh, fresh.getBytes(StandardCharsets.UTF_8), headers, Optional.empty()));
    String keyed = job(P0);
    runUntilIdle();

    assertThat(committedMetadata(P0)).contains(CommitMetadata.shortId(keyed)).doesNotContain(CommitMetadata.shortId(fresh));
  }

  /** Runs the commits handed to {@code commits} (a commit thread the test drives), turning the loop after each round. */
  private void runHandedOverCommits(List<Runnable> commits) {
    for (int i = 0; i < 5 && !commits.isEmpty(); i++) {
      List<Runnable> round = new ArrayList<>(commits);
      commits.clear();
      round.forEach(Runnable::run);
      loop.turn();
    }
  }

  /** Turns the loop and runs every task handed out until nothing more happens. */
  private void runUntilIdle() {
    for (int idle = 0; idle < 3; ) {
      loop.turn();
      List<Runnable> tasks = new ArrayList<>(taskThreads);
      taskThreads.clear();
      tasks.forEach(Runnable::run);
      idle = tasks.isEmpty() ? idle + 1 : 0;
    }
  }

  /**
   * The task is paused just after a cancel of its job was written (so the gateway did not see it
   * paused): the worker parks the job, and the cancel arrives in the next poll while the park is
   * still being committed. The cancel must follow the job to its parked partition, after it;
   * before, it found the job "held" and was dropped, and the job ran after the resume.
   */
  @Test
  void aCancelArrivingWhileItsJobsParkIsBeingCommittedFollowsItToTheParkedTopic() {
    List<Runnable> commits = new ArrayList<>();
    consumer = new TestConsumer();
    startLoop(SETTINGS, commits::add);
    consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    consumer.rebalance(List.of(P0, P1));
    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    String parkedJob = job(P0);
    loop.turn(); // parked; its commit is handed over and not run yet
    cancel(P0, parkedJob, taskenum.SYMBOL1.name());
    loop.turn();
    runHandedOverCommits(commits);

    assertThat(parked()).extracting(ProducerRecord::key, r -> ControlRecords.instruction(r.headers()))
        .containsExactly(tuple(parkedJob, null), tuple(parkedJob, ControlRecords.CANCEL));
    assertThat(parked()).extracting(ProducerRecord::partition).containsOnly(ParkedJobs.partition(taskenum.SYMBOL1, parkedJob, TOPICS.partitions()));
    assertThat(runs).isEmpty();
  }

  /**
   * After a resume, a job read from the parked topic waits for a thread; its cancel arrives behind
   * it on the parked partition after the task was paused again and the job re-parked. The cancel is
   * parked again after the job's new copy; before, it was dropped and the re-parked copy ran.
   */
  @Test
  void aCancelOfAJobReParkedFromTheParkedTopicIsReParkedAfterIt() {
    TopicPartition parkedPartition = new TopicPartition(TOPICS.parked(), ParkedJobs.partition(taskenum.SYMBOL1, JobIds.random(), TOPICS.partitions()));
    List<Runnable> commits = new ArrayList<>();
    consumer = new TestConsumer();
    startLoop(LoopSettings.defaults("worker-test"), commits::add); // concurrency 1
    consumer.updateBeginningOffsets(Map.of(P0, 0L, parkedPartition, 0L));
    consumer.rebalance(List.of(P0, parkedPartition));
    job(P0); // takes the only thread
    String resumed = JobIds.random();
    redeliver(parkedPartition, resumed);
    loop.turn(); // the first job runs, the resumed one waits for the thread
    controls.pause(taskenum.SYMBOL1.name(), new TaskControls.Pause(0, "test"));
    loop.turn(); // re-parked: its commit is handed over, not run yet
    cancel(parkedPartition, resumed, taskenum.SYMBOL1.name());
    consumer.resume(List.of(parkedPartition)); // as if polled before flow control paused it
    loop.turn();
    runHandedOverCommits(commits);

    assertThat(parked()).filteredOn(r -> r.key().equals(resumed)).extracting(r -> ControlRecords.instruction(r.headers()))
        .containsExactly(null, ControlRecords.CANCEL);
    assertThat(runs).doesNotContainKey(resumed);
  }

  /**
   * A job ended (Success) just before its cancel was read from the control topic: its commit
   * tombstones the cancel, so the compacted control topic keeps only cancels still to carry out.
   */
  @Test
  void aJobThatEndedBeforeItsControlCancelWasReadTombstonesTheCancelWithItsEnd() {
    String jobId = job(P0);
    loop.turn();
    taskThreads.forEach(Runnable::run); // Success; it commits in the next turn, after the cancel was read
    controls.cancelJob(jobId, true);
    loop.turn();
    loop.turn();

    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus).containsExactly(tuple(jobId, JobState.Success));
    assertThat(producers.stream().flatMap(p -> p.history().stream()).filter(r -> r.topic().equals(TOPICS.control())))
        .singleElement().satisfies(r -> {
          assertThat(r.key()).isEqualTo("job/" + jobId + "/cancelled");
          assertThat(r.value()).isNull();
        });
  }

  @Test
  void aTaskPastItsDeadlineEndsTimedOutAndItsSlotIsFreedEvenIfItIgnoresInterrupts() throws Exception {
    startAssigned(LoopSettings.defaults("worker-test").withDeadlines(Map.of(taskenum.SYMBOL1, Duration.ofMillis(100))));
    String stuck = job(P0);
    String next = job(P0);
    ignoringInterrupts.add(stuck);
    loop.turn();
    assertThat(taskThreads).hasSize(1); // concurrency 1: next waits
    Thread thread = new Thread(taskThreads.get(0));
    thread.start();
    Thread.sleep(300);

    loop.turn();
    assertThat(statuses(stuck)).last().satisfies(s -> {
      assertThat(s.getStatus()).isEqualTo(JobState.Error);
      assertThat(s.getErrorReason()).isEqualTo("timed out after 100 ms");
    });
    assertThat(thread.isAlive()).isTrue(); // the task ignores the interrupt ...
    assertThat(taskThreads).hasSize(2); // ... but no longer holds the slot: next started
    taskThreads.get(1).run();
    loop.turn();
    assertThat(statuses(next)).last().extracting(JobStatus::getStatus).isEqualTo(JobState.Success);
  }

  /** A partition with many jobs waiting for a thread is paused alone; the others keep flowing. */
  @Test
  void aPartitionWithManyWaitingJobsIsPausedAloneAndResumedOnceTheyDrain() {
    startAssigned(LoopSettings.defaults("worker-test").withWaitingPerPartition(2));
    for (int i = 0; i < 4; i++) {
      job(P0);
    }
    loop.turn();
    assertThat(consumer.paused()).containsExactly(P0);

    for (int i = 0; i < 4; i++) {
      taskThreads.get(i).run();
      loop.turn();
    }
    assertThat(consumer.paused()).isEmpty();
  }

  /** With every task thread busy, polling goes on: a cancel request reaches the running job. */
  @Test
  void aCancelReachesARunningJobWhileAllTaskThreadsAreBusy() {
    startAssigned(LoopSettings.defaults("worker-test"));
    String busy = job(P0);
    loop.turn(); // the only task thread is taken
    job(P0);
    cancel(P0, busy);
    loop.turn();

    assertThat(statuses(busy)).last().satisfies(s -> {
      assertThat(s.getStatus()).isEqualTo(JobState.Error);
      assertThat(s.getErrorReason()).isEqualTo("cancelled");
    });
  }

  @Test
  void aJobCancelledInTheSamePollNeverStartsAndEndsCancelled() {
    String a = job(P0);
    cancel(P0, a);
    loop.turn();

    assertThat(taskThreads).isEmpty();
    assertThat(statuses(a)).extracting(JobStatus::getStatus, JobStatus::getErrorReason)
        .containsExactly(tuple(JobState.Error, "cancelled"));
    assertThat(committedOffsets()).containsEntry(P0, 2L);
  }

  @Test
  void retryProcessingEventsSurviveAFailedCommit() {
    String a = job(P0);
    failuresLeft.put(a, new AtomicInteger(1));
    loop.turn(); // Processing, attempt 1
    taskThreads.get(0).run(); // attempt 1 fails, attempt 2 succeeds

    producer.commitTransactionException = new KafkaException("broker hiccup");
    loop.turn();
    assertThat(statuses(a)).extracting(JobStatus::getAttempt).containsExactly(1);

    producer.commitTransactionException = null;
    loop.turn();
    assertThat(statuses(a)).extracting(JobStatus::getStatus, JobStatus::getAttempt).containsExactly(
        tuple(JobState.Processing, 1),
        tuple(JobState.Processing, 2),
        tuple(JobState.Success, 2));
    assertThat(committedOffsets()).containsEntry(P0, 1L);
  }

  @Test
  void everyTransactionIsFencedByOffsetsForEachPartitionItTouchesEvenWithoutFinishedJobs() {
    job(P0);
    job(P1);
    loop.turn(); // Processing only: nothing finished yet

    assertThat(producer.consumerGroupOffsetsHistory()).singleElement()
        .satisfies(commit -> assertThat(commit.values()).singleElement().satisfies(offsets -> {
          assertThat(offsets.get(P0).offset()).isZero();
          assertThat(offsets.get(P1).offset()).isZero();
        }));
  }

  @Test
  void aCommitWhoseOutcomeWasUnknownButHappenedIsNotWrittenAgain() {
    String a = job(P0);
    loop.turn();
    taskThreads.get(0).run();
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new TimeoutException("coordinator did not answer");

    consumer.commitSync(Map.of(P0, new OffsetAndMetadata(1))); // the coordinator did commit it

    loop.turn(); // ... but the commit times out for good on the worker's side
    assertThat(producers).hasSize(2); // replaced, which settles the transaction in doubt
    loop.turn();
    loop.turn();

    assertThat(producers.get(1).history()).isEmpty(); // Success and outputs are not written a second time
  }

  /**
   * The poll thread hands the transaction to the commit thread and goes on: while a commit hangs,
   * new jobs are received and started; what finishes meanwhile commits in the next transaction.
   */
  @Test
  void thePollThreadKeepsReceivingAndStartingJobsWhileACommitHangs() throws Exception {
    withAHangingCommitOfAJobOn(P0, hanging -> {
      String a = hanging.jobId();
      CountDownLatch gate = hanging.gate();

      String b = job(P1);
      assertTimeoutPreemptively(Duration.ofSeconds(2), () -> loop.turn()); // a sync commit would block here
      assertThat(taskThreads).hasSize(2); // b started while a's commit is in flight
      taskThreads.get(1).run();
      loop.turn();
      assertThat(terminalStatuses()).isEmpty();

      gate.countDown();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        loop.turn();
        assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(a, b);
      });
      assertThat(producer.consumerGroupOffsetsHistory()).hasSize(3); // a's Processing, a's results, then b's
      assertThat(committedOffsets()).containsEntry(P0, 1L).containsEntry(P1, 1L);
    });
  }

  /** An Error on the commit thread stops the loop on its next turn instead of leaving it waiting for an outcome for ever. */
  @Test
  void anErrorOnTheCommitThreadStopsTheLoop() throws Exception {
    withAHangingCommitOfAJobOn(P0, hanging -> {
      producer.failNextCommit(new NoClassDefFoundError("simulated")); // an Error, not an exception
      hanging.gate().countDown();

      // The Error also ends the commit thread uncaught: not what this test is about.
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(() -> loop.turn())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("the commit thread failed").hasMessageContaining("simulated"));
    });
  }

  /** A revoked partition is handed back only after the commit in flight ended: its new owner then starts from there. */
  @Test
  void revocationWaitsForTheCommitInFlightBeforeHandingThePartitionBack() throws Exception {
    withAHangingCommitOfAJobOn(P1, hanging -> {
      String a = hanging.jobId();
      CountDownLatch gate = hanging.gate();

      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(gate::countDown);
      consumer.rebalance(List.of(P0)); // P1 revoked while a's commit hangs: returns only once it ended

      assertThat(gate.getCount()).isZero();
      assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(a);
      assertThat(committedOffsets()).containsEntry(P1, 1L);
    });
  }

  /**
   * Lost partitions (the session expired) are dropped only once the commit in flight ended: its
   * outcome is taken back before the group can assign those partitions afresh.
   */
  @Test
  void losingPartitionsWaitsForTheCommitInFlight() throws Exception {
    withAHangingCommitOfAJobOn(P1, hanging -> {
      CountDownLatch gate = hanging.gate();

      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(gate::countDown);
      consumer.losePartitions(List.of(P1)); // returns only once the hanging commit ended

      assertThat(gate.getCount()).isZero();
      assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(hanging.jobId());
    });
  }

  /** A burst is written as several transactions of at most WORKER_COMMIT_MAX_JOBS jobs, the partitions taking turns. */
  @Test
  void aTransactionCarriesAtMostTheMaximumNumberOfJobsAndTheRestCommitNext() {
    startAssigned(LoopSettings.defaults("worker-test").withConcurrency(8).withProcessingDelay(Duration.ofMillis(100))
        .withCommits(Duration.ZERO, 2));
    List<String> p0 = List.of(job(P0), job(P0), job(P0));
    List<String> p1 = List.of(job(P1), job(P1));
    loop.turn();
    taskThreads.forEach(Runnable::run);
    int before = producer.consumerGroupOffsetsHistory().size();

    loop.turn();
    assertThat(terminalStatuses()).hasSize(2);
    loop.turn();
    assertThat(terminalStatuses()).hasSize(4);
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactlyInAnyOrderElementsOf(
        java.util.stream.Stream.concat(p0.stream(), p1.stream()).toList());
    assertThat(producer.consumerGroupOffsetsHistory()).hasSize(before + 3);
    assertThat(committedOffsets()).containsEntry(P0, 3L).containsEntry(P1, 2L);
  }

  /** A job whose results' commit hangs until {@code gate} opens. */
  private record HangingCommit(String jobId, CountDownLatch gate) {}

  @FunctionalInterface
  private interface WhileACommitHangs {
    void run(HangingCommit hanging) throws Exception;
  }

  /** Runs {@code test} on a loop whose commit of a job on {@code partition} hangs (see below); releases it after. */
  private void withAHangingCommitOfAJobOn(TopicPartition partition, WhileACommitHangs test) throws Exception {
    ExecutorService commitThread = Executors.newSingleThreadExecutor();
    try {
      test.run(startWithAHangingCommitOfAJobOn(partition, commitThread));
    } finally {
      producer.release();
      commitThread.shutdownNow();
    }
  }

  /**
   * A loop over both partitions committing on {@code commitThread}; a job on {@code partition}
   * starts, its Processing commits, it finishes, and the commit of its results hangs until the
   * returned gate opens. A commit on the poll thread would block the turn that hands it over:
   * that turn must return.
   */
  private HangingCommit startWithAHangingCommitOfAJobOn(TopicPartition partition, ExecutorService commitThread) {
    consumer = new TestConsumer();
    offsets.clear();
    startLoop(SETTINGS, commitThread);
    consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    consumer.rebalance(List.of(P0, P1));
    String jobId = job(partition);
    loop.turn();
    awaitCommits(1); // its Processing
    CountDownLatch gate = producer.holdCommits();
    taskThreads.get(0).run();
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> loop.turn());
    await().atMost(Duration.ofSeconds(5)).until(producer::commitWaiting);
    return new HangingCommit(jobId, gate);
  }

  /** Turns the loop until {@code count} transactions have committed and their outcome is taken back. */
  private void awaitCommits(int count) {
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      loop.turn();
      return producer.consumerGroupOffsetsHistory().size() >= count;
    });
    loop.turn();
  }

  @Test
  void revocationCommitsWhatFinishedAndHandsTheRestBack() {
    String b = job(P1);
    String c = job(P1);
    loop.turn();
    String a = job(P0);
    loop.turn(); // tasks queued in order: b, c, a
    taskThreads.get(0).run(); // b finishes; c has not started

    consumer.rebalance(List.of(P0)); // P1 revoked

    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(b);
    assertThat(committedOffsets()).containsEntry(P1, 1L); // c's offset stays uncommitted: its new owner runs it
    taskThreads.get(1).run(); // c was told to stop before it started
    assertThat(runs).doesNotContainKey(c);

    taskThreads.get(2).run();
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(b, a);
    assertThat(committedOffsets()).containsEntry(P0, 1L).containsEntry(P1, 1L);
  }

  @Test
  void anUnreachableSchemaRegistryDelaysTheCommitButFailsNoJobAndKeepsTheLoopRunning() {
    String a = job(P0);
    loop.turn();
    taskThreads.get(0).run();
    registryDown = true;
    loop.turn();
    loop.turn();
    assertThat(terminalStatuses()).isEmpty();

    registryDown = false;
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus).containsExactly(tuple(a, JobState.Success));
  }

  @Test
  void anOutputLargerThanKafkaTakesFailsOnlyItsOwnJob() {
    String big = job(P0);
    String small = job(P0);
    outputBytes.put(big, 10_000);
    loop.turn();
    taskThreads.forEach(Runnable::run);
    loop.turn();

    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus)
        .containsExactly(tuple(big, JobState.Error), tuple(small, JobState.Success));
    assertThat(statuses(big).get(1).getErrorReason()).startsWith("output could not be written").contains("more than the 4096 bytes");
    assertThat(outputs()).containsExactly(small + "-out");
    assertThat(committedOffsets()).containsEntry(P0, 2L);
  }

  @Test
  void aRecordTheBrokerRefusesFailsOnlyItsOwnJobAndTheRestCommitsNextTurn() {
    String refused = job(P0);
    String fine = job(P0);
    loop.turn();
    taskThreads.forEach(Runnable::run);
    producer.refuseNext(record -> record.key().equals(refused) && record.topic().equals(TOPICS.output()),
        new RecordTooLargeException("the broker's max.message.bytes is smaller"));

    loop.turn(); // aborted: the broker refused one output
    assertThat(terminalStatuses()).isEmpty();
    loop.turn();

    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getStatus)
        .containsExactly(tuple(refused, JobState.Error), tuple(fine, JobState.Success));
    assertThat(statuses(refused).get(1).getErrorReason()).contains("RecordTooLargeException");
    assertThat(committedOffsets()).containsEntry(P0, 2L);
  }


  // --- Guarantees under faults: each test below failed before its fix ---

  /**
   * Two replicas raced on one idempotency key: the job's second record is skipped while its first
   * still runs. The skip must not mark the job done, or when the partition changes owner the new
   * owner skips the first record too and the job never runs.
   */
  @Test
  void aSkippedSecondRecordOfARunningJobDoesNotMarkItDoneForTheNextOwner() {
    String a = job(P0);
    redeliver(P0, a);
    loop.turn(); // a starts; its second record is skipped and committed as a done offset
    assertThat(committedMetadata(P0)).startsWith("v2|d=1|");

    restartOn(P0); // the worker dies while a runs
    redeliver(P0, a);
    redeliver(P0, a);
    taskThreads.clear();
    loop.turn();

    theOnlyStartedJobRunsAndEnds(a);
    assertThat(committedOffsets()).containsEntry(P0, 2L);
  }

  /**
   * Task and commit threads wake the poll thread at any moment, also while the listener reads the
   * group's committed offsets at assignment. However many wakeups land there, the partition starts
   * from its committed metadata: a done offset does not run again.
   */
  @Test
  void wakeupsWhileAPartitionIsAssignedDoNotMakeItRunDoneOffsetsAgain() {
    takeOverWithDoneOffset1(3, WakeupException::new);
    String a = job(P0);
    String b = job(P0); // offset 1: done before this worker took the partition
    loop.turn();
    loop.turn();

    assertThat(runsOf(b)).isZero();
    theOnlyStartedJobRunsAndEnds(a);
  }

  /**
   * The committed offsets cannot be read at assignment (a timeout): the partition is assigned
   * anyway, takes no record until it could read them, and then skips its done offsets.
   */
  @Test
  void aPartitionWhoseCommittedOffsetsCannotBeReadYetTakesNoRecordUntilTheyAre() {
    takeOverWithDoneOffset1(2, () -> new TimeoutException("coordinator slow"));
    String a = job(P0);
    String b = job(P0);
    loop.turn(); // its records are put back: the offsets still cannot be read
    assertThat(taskThreads).isEmpty();
    assertThat(consumer.position(P0)).isZero();
    offsets.put(P0.toString(), 0L); // MockConsumer does not fetch again after a seek: the test does
    redeliver(P0, a);
    redeliver(P0, b);
    loop.turn();
    loop.turn();

    assertThat(runsOf(b)).isZero();
    theOnlyStartedJobRunsAndEnds(a);
  }

  /** A fresh worker takes P0, whose group says offset 1 is done; the next {@code failures} reads of the committed offsets fail. */
  private void takeOverWithDoneOffset1(int failures, Supplier<RuntimeException> failure) {
    consumer = new TestConsumer();
    offsets.clear();
    startLoop(SETTINGS);
    consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, "v1|d=1|j=")));
    consumer.updateBeginningOffsets(Map.of(P0, 0L));
    consumer.failCommittedReads(failures, failure);
    try {
      consumer.rebalance(List.of(P0));
    } catch (WakeupException | TimeoutException e) {
      // what the listener throws, poll() throws: the loop takes a wakeup for "nothing polled" (a timeout would stop it)
    }
  }

  /**
   * A partition is revoked while its commit hangs; the commit then times out (outcome unknown)
   * and cannot be settled yet (the committed offsets cannot be read). The records of that commit
   * must leave with the partition, not be written again later: the commit did happen.
   */
  @Test
  void aRevocationWhileACommitIsInDoubtNeverWritesItsResultsAgain() throws Exception {
    withAHangingCommitOfAJobOn(P1, hanging -> {
      int producersBefore = producers.size();
      producer.commitTransactionException = new TimeoutException("coordinator did not answer");
      consumer.commitSync(Map.of(P1, new OffsetAndMetadata(1))); // ... but it did commit
      consumer.failCommittedReads(1, () -> new TimeoutException("coordinator slow")); // settling fails for now
      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(hanging.gate()::countDown);

      try {
        consumer.rebalance(List.of(P0)); // P1 revoked: waits for the hanging commit, whose outcome is then unknown
      } catch (RuntimeException e) {
        // what escapes the listener, poll() throws
      }
      assertThat(producers).hasSize(producersBefore + 1); // replaced: the outcome was being settled
      for (int i = 0; i < 3; i++) {
        loop.turn();
      }
      assertThat(terminalStatuses()).isEmpty(); // the in-doubt results were not written a second time
    });
  }

  /**
   * A cancel reaches a running job that ignores the interrupt. The cancel record must not be
   * committed as done while the job still runs: when the partition changes owner, the new owner
   * sees the cancel again and the job never ends Success.
   */
  @Test
  void aCancelOfARunningJobIsNotCommittedBeforeItSoTheNextOwnerHonoursIt() throws Exception {
    String a = job(P0);
    ignoringInterrupts.add(a);
    loop.turn();
    Thread running = new Thread(taskThreads.get(0));
    running.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> runsOf(a) == 1);
    cancel(P0, a);
    loop.turn(); // the cancel reaches a, which keeps running
    loop.turn();
    assertThat(committedMetadata(P0)).startsWith("v2|d=|"); // the cancel's offset is not done

    restartOn(P0); // the worker dies; a new owner takes the partition
    redeliver(P0, a);
    cancel(P0, a);
    taskThreads.clear();
    loop.turn();

    assertThat(taskThreads).isEmpty(); // cancelled before it started
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId, JobStatus::getErrorReason).containsExactly(tuple(a, "cancelled"));
  }

  /** A task past its deadline is told to stop: one that polls isCancelled() ends, and its thread is freed. */
  @Test
  void aTaskPastItsDeadlineIsToldToStop() throws Exception {
    startAssigned(LoopSettings.defaults("worker-test").withDeadlines(Map.of(taskenum.SYMBOL1, Duration.ofMillis(100))));
    String slow = job(P0);
    pollingIsCancelled.add(slow);
    loop.turn();
    Thread thread = new Thread(taskThreads.get(0));
    thread.start();
    Thread.sleep(300);
    loop.turn(); // timed out

    thread.join(5000);
    assertThat(thread.isAlive()).isFalse();
    assertThat(statuses(slow)).last().extracting(JobStatus::getErrorReason).isEqualTo("timed out after 100 ms");
  }

  /**
   * Behind a job that never ends, done offsets split into ranges until the commit metadata is
   * full: the partition is paused (it holds what it has, bounded) and resumes once the job ends.
   */
  @Test
  void aPartitionWhoseDoneOffsetsNoLongerFitIsPausedUntilTheJobsBelowThemEnd() {
    startAssigned(LoopSettings.defaults("worker-test").withConcurrency(2000).withWaitingPerPartition(4000));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(job(P0));
    }
    loop.turn();
    for (int i = 1; i < 2000; i += 2) {
      taskThreads.get(i).run(); // every second job ends: 1000 separate done ranges
    }
    loop.turn();
    loop.turn();
    assertThat(committedMetadata(P0).length()).isLessThanOrEqualTo(CommitMetadata.MAX_CHARS);
    assertThat(consumer.paused()).containsExactly(P0);

    for (int i = 0; i < 2000; i += 2) {
      taskThreads.get(i).run();
    }
    for (int i = 0; i < 4; i++) {
      loop.turn();
    }
    assertThat(terminalStatuses()).hasSize(2000);
    assertThat(consumer.paused()).isEmpty();
  }

  /** Exactly one task was started: it runs, and its job alone ends (once). */
  private void theOnlyStartedJobRunsAndEnds(String jobId) {
    assertThat(taskThreads).hasSize(1);
    taskThreads.get(0).run();
    loop.turn();
    assertThat(terminalStatuses()).extracting(JobStatus::getJobId).containsExactly(jobId);
  }

  private int runsOf(String jobId) {
    AtomicInteger count = runs.get(jobId);
    return count == null ? 0 : count.get();
  }

  /** MockConsumer whose next reads of the committed offsets can be made to fail, as a wakeup or a slow coordinator would. */
  private static final class TestConsumer extends MockConsumer<String, byte[]> {
    private final AtomicInteger failingReads = new AtomicInteger();
    private volatile Supplier<RuntimeException> failure;

    TestConsumer() {
      super("earliest");
    }

    void failCommittedReads(int count, Supplier<RuntimeException> with) {
      failure = with;
      failingReads.set(count);
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
      if (failingReads.getAndDecrement() > 0) {
        throw failure.get();
      }
      return super.committed(partitions);
    }
  }

  /** Input values are job ids; the test deserializer turns one into a SYMBOL1 job. */
  private static Deserializer<TemplateInput> jobsById() {
    return (topic, data) -> TemplateInput.newBuilder()
        .setHash(new String(data, StandardCharsets.UTF_8)).setId(null).setTask(taskenum.SYMBOL1).setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null).setPersistence(null).build())
        .build();
  }

  private String job(TopicPartition partition) {
    String id = JobIds.random();
    redeliver(partition, id);
    return id;
  }

  /** A job of batch {@code batchId} (its input record carries the batch header). */
  private String batchJob(TopicPartition partition, String batchId) {
    String id = JobIds.random();
    RecordHeaders headers = new RecordHeaders();
    BatchRecords.addBatchId(headers, batchId);
    consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), nextOffset(partition), 0L, TimestampType.CREATE_TIME,
        -1, -1, id, id.getBytes(StandardCharsets.UTF_8), headers, Optional.empty()));
    return id;
  }

  /** A record of job {@code id} at the partition's next offset. */
  private void redeliver(TopicPartition partition, String id) {
    consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), nextOffset(partition), id,
        id.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A new worker takes over {@code partition}: a fresh consumer whose group holds what was
   * committed so far (offset and metadata), reading again from the committed offset.
   */
  private void restartOn(TopicPartition partition) {
    Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    producers.stream().flatMap(p -> p.consumerGroupOffsetsHistory().stream()).forEach(commit -> commit.values().forEach(committed::putAll));
    consumer = new TestConsumer();
    startLoop(SETTINGS);
    consumer.commitSync(Map.of(partition, committed.get(partition)));
    consumer.updateBeginningOffsets(Map.of(partition, 0L));
    consumer.rebalance(List.of(partition));
    offsets.put(partition.toString(), committed.get(partition).offset());
  }

  private void cancel(TopicPartition partition, String jobId) {
    cancel(partition, jobId, null);
  }

  /** A cancel request naming the job's task ({@code null}: not named). */
  private void cancel(TopicPartition partition, String jobId, String task) {
    ProducerRecord<String, Object> request = ControlRecords.cancel(partition.topic(), jobId, null, task);
    ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(partition.topic(), partition.partition(), nextOffset(partition),
        jobId, new byte[0]);
    request.headers().forEach(header -> record.headers().add(header));
    consumer.addRecord(record);
  }

  private long nextOffset(TopicPartition partition) {
    return offsets.merge(partition.toString(), 1L, Long::sum) - 1;
  }

  private List<ProducerRecord<String, Object>> history() {
    return producers.stream().flatMap(p -> p.history().stream())
        .map(r -> new ProducerRecord<>(r.topic(), r.key(), serialized.get((byte[]) r.value()))).toList();
  }

  /** Stands in for Avro: bytes of a realistic size, remembered so the test can read the record back. */
  private byte[] serialize(String topic, Object value) {
    if (registryDown) {
      throw new SerializationException("cannot serialize to topic '" + topic + "'", new SchemaRegistryException("registry unreachable", 0, 0, null));
    }
    byte[] bytes = value.toString().getBytes(StandardCharsets.UTF_8);
    serialized.put(bytes, value);
    return bytes;
  }

  /** MockProducer that can refuse one job's outputs as a broker would (callback error, then the commit fails). */

  private List<JobStatus> statuses(String jobId) {
    return history().stream().filter(r -> r.topic().equals(TOPICS.status()) && r.key().equals(jobId))
        .map(r -> (JobStatus) r.value()).toList();
  }

  private List<JobStatus> terminalStatuses() {
    return history().stream().filter(r -> r.topic().equals(TOPICS.status())).map(r -> (JobStatus) r.value())
        .filter(s -> s.getStatus() == JobState.Success || s.getStatus() == JobState.Error).toList();
  }

  /** What the workers wrote to the parked topic, as written (the record's own bytes). */
  private List<ProducerRecord<String, byte[]>> parked() {
    return producers.stream().flatMap(p -> p.history().stream()).filter(r -> r.topic().equals(TOPICS.parked()))
        .map(r -> new ProducerRecord<>(r.topic(), r.partition(), r.key(), (byte[]) r.value(), r.headers())).toList();
  }

  private List<String> outputs() {
    return history().stream().filter(r -> r.topic().equals(TOPICS.output()))
        .map(r -> ((TemplateOutput) r.value()).getRecordId()).toList();
  }

  private String committedMetadata(TopicPartition partition) {
    String metadata = null;
    for (Map<String, Map<TopicPartition, OffsetAndMetadata>> commit : producers.stream()
        .flatMap(p -> p.consumerGroupOffsetsHistory().stream()).toList()) {
      for (Map<TopicPartition, OffsetAndMetadata> byPartition : commit.values()) {
        if (byPartition.containsKey(partition)) {
          metadata = byPartition.get(partition).metadata();
        }
      }
    }
    return metadata;
  }

  /** The latest committed offset per partition, over every transaction so far. */
  private Map<TopicPartition, Long> committedOffsets() {
    Map<TopicPartition, Long> latest = new HashMap<>();
    for (Map<String, Map<TopicPartition, OffsetAndMetadata>> commit : producers.stream()
        .flatMap(p -> p.consumerGroupOffsetsHistory().stream()).toList()) {
      commit.values().forEach(byPartition -> byPartition.forEach((p, o) -> latest.put(p, o.offset())));
    }
    return latest;
  }
}
