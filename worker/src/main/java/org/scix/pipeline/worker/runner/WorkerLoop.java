package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.ParkedJobs;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.schemas.input.taskenum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-process-produce loop of one worker process, read top to bottom like Kafka's
 * {@code ExactlyOnceMessageProcessor}: poll, start jobs on task threads while fewer than
 * {@code concurrency} run, end tasks past their deadline, hand what is due to the commit thread
 * as one transaction ({@link DueCommits}; the poll thread never waits for it), pause or resume
 * partitions. One thread (this one) owns the consumer and the bookkeeping ({@link InFlightJobs});
 * the commit thread only writes the batches it is handed.
 *
 * <p>A job's terminal status, outputs and input offset commit together or not at all: a worker
 * killed mid-job leaves it uncommitted, another worker runs it again, and it still ends with
 * exactly one terminal status. A job's results commit when it ends, whatever still runs before it
 * in its partition (the offsets done above the committed one travel in its metadata). Long jobs
 * do not stop polling (no rebalance, no second execution), and busy task threads do not either.
 */
public final class WorkerLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLoop.class);

  /**
   * A job starts only if the control topic was read this recently (its reader polls every 100 ms):
   * a pause or cancel answered before the start is then known here, also right after a freeze.
   */
  static final Duration CONTROLS_FRESH_WITHIN = Duration.ofMillis(300);

  private final LoopSettings settings;
  private final List<String> inputTopics;
  private final Consumer<String, byte[]> consumer;
  private final BatchWriter batches;
  private final DueCommits committer;
  private final JobDecoder decoder;
  private final RetryingTaskRunner runner;
  private final Executor taskThreads;
  private final Executor commitThread;
  private final WorkerMetrics metrics;
  private final InFlightJobs jobs;
  private final PartitionSeeding seeding;
  private final ControlState controls;
  private long controlsSeen;
  private final TopicSettings topics;
  private final AtomicBoolean running;
  private volatile boolean ready;
  private volatile boolean stopped;
  private volatile Throwable failure;
  private java.util.function.Consumer<String> joined = memberId -> { };
  private String memberId = "";

  /**
   * @param running cleared by {@link #stop}; shared with the writer, which stops retrying an unreachable Kafka then
   * @param commitThread runs the transactions ({@code Runnable::run}: on the poll thread, as tests do); an
   *     ExecutorService is shut down with the loop
   */
  WorkerLoop(LoopSettings settings, AtomicBoolean running, TopicSettings topics, Consumer<String, byte[]> consumer, BatchWriter batches,
      JobDecoder decoder, RetryingTaskRunner runner, Executor taskThreads, Executor commitThread, WorkerMetrics metrics,
      ControlState controls) {
    this.controls = controls;
    this.topics = topics;
    this.settings = settings;
    this.jobs = new InFlightJobs(settings.processingDelay(), partition -> topics.priorityOf(partition.topic()) == Priority.BULK,
        partition -> topics.parked().equals(partition.topic()), settings.interactivePerBulk(), settings.progressInterval(), settings.duplicateWindow());
    this.seeding = new PartitionSeeding(consumer, jobs);
    this.running = running;
    this.inputTopics = topics.consumed();
    this.consumer = consumer;
    this.batches = batches;
    this.commitThread = commitThread;
    this.committer = new DueCommits(jobs, batches, consumer, metrics, commitThread, settings.commitInterval(), settings.commitMaxJobs());
    this.decoder = decoder;
    this.runner = runner;
    this.taskThreads = taskThreads;
    this.metrics = metrics;
  }

  /** Told this worker's member id in the consumer group whenever it changes (after a poll). */
  void onJoined(java.util.function.Consumer<String> listener) {
    this.joined = listener;
  }

  /** True once this worker has joined the group and can write. */
  public boolean isReady() {
    return ready && !stopped;
  }

  /** The fatal error the loop stopped on, if it did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  public boolean isStopped() {
    return stopped;
  }

  /** Asks the loop to stop taking jobs, finish in-flight ones (up to the drain timeout) and leave. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  @Override
  public void run() {
    try {
      open();
      log.info("worker {} consuming {} (concurrency {}, {} interactive starts per bulk one while both wait)", settings.workerName(),
          inputTopics, settings.concurrency(), settings.interactivePerBulk());
      long drainDeadline = Long.MAX_VALUE;
      // Draining: no new task starts; running ones finish and commit. Jobs not started are left
      // uncommitted for the partition's next owner.
      while (running.get() || (isBusy() && System.nanoTime() < drainDeadline)) {
        if (!running.get() && drainDeadline == Long.MAX_VALUE) {
          drainDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
          consumer.pause(consumer.assignment());
          log.info("worker {} stopping: {} task(s) running, draining up to {} ms", settings.workerName(), jobs.runningTasks(),
              settings.drainTimeout().toMillis());
        }
        turn();
      }
      committer.awaitInFlight();
      if (jobs.runningTasks() > 0) {
        log.warn("drain timeout: abandoning {} running job(s); they will run again elsewhere", jobs.runningTasks());
      }
      jobs.handBackAll();
      log.info("worker {} drained; leaving the group", settings.workerName());
    } catch (RuntimeException e) {
      failure = e;
      log.error("worker {} stopped on a fatal error: {}", settings.workerName(), e.toString(), e);
      throw e;
    } finally {
      stopped = true;
      ready = false;
      closeQuietly();
    }
  }

  /** Creates the producer (fencing a predecessor) and joins the group. */
  void open() {
    batches.init();
    consumer.subscribe(inputTopics, new Rebalance(settings, consumer, jobs, committer, seeding, running::get));
    ready = true;
  }

  /** One turn of the loop: receive, end overdue tasks, start what fits, commit what is due, adjust intake. */
  void turn() {
    receive(poll());
    noteMemberId();
    applyControls();
    endOverdueTasks();
    startWaitingJobs();
    committer.commitDue();
    applyFlowControl();
    metrics.inFlight(jobs.size());
  }

  private void noteMemberId() {
    String now = consumer.groupMetadata().memberId();
    if (!now.equals(memberId)) {
      memberId = now;
      joined.accept(now);
    }
  }

  private boolean isBusy() {
    return jobs.runningTasks() > 0 || committer.isCommitting() || !jobs.due().isEmpty();
  }

  /** What a poll returned, of partitions seeded from the group's committed offsets ({@link PartitionSeeding}). */
  private Iterable<ConsumerRecord<String, byte[]>> poll() {
    try {
      return seeding.seeded(consumer.poll(Duration.ofMillis(jobs.size() > 0 ? 50 : 200)));
    } catch (WakeupException e) {
      return List.of(); // a job finished, or stop() was called
    }
  }

  /** Queues what was polled. A job cancelled in the same poll, of a cancelled batch or of a paused task never starts. */
  private void receive(Iterable<ConsumerRecord<String, byte[]>> records) {
    Set<String> cancelRequested = new HashSet<>();
    records.forEach(record -> {
      if (ControlRecords.CANCEL.equals(ControlRecords.instruction(record.headers())) && record.key() != null) {
        cancelRequested.add(record.key());
      }
    });
    for (ConsumerRecord<String, byte[]> record : records) {
      JobExecution execution = decoder.decode(record);
      jobs.add(execution); // held (in offset order) before a cancel later in this poll looks for it
      if (execution.isControl()) {
        List<JobExecution> targets = jobs.cancel(execution.partition(), execution.jobId());
        execution.cancels(targets); // committed no earlier than the job it cancels
        boolean jobParked = !targets.isEmpty() && targets.stream().allMatch(JobExecution::isParked);
        if (((targets.isEmpty() && followsToParked(record)) || (jobParked && namesTask(record))) && execution.park()) {
          // Its job may wait there (parked while its task was paused, perhaps just now, perhaps again
          // after a resume): the cancel goes after it, on the same parked partition.
          log.info("cancel of job {} {}: forwarded to the parked jobs of {}", execution.jobId(),
              jobParked ? "whose record here was parked" : "matched no job here", ParkedJobs.task(record.headers()));
        } else if (targets.isEmpty()) {
          log.info("cancel of job {} ignored: it already finished", execution.jobId());
        }
      } else if (execution.isJob() && !execution.isFinished() && controls.isJobCancelled(execution.jobId())) {
        // Before the cancel request that may follow it here: this one's end also tombstones the control-topic record.
        log.info("job {} was cancelled on the control topic: it ends without starting", execution.jobId());
        execution.cancelFromControlTopic();
      } else if (execution.isJob() && !execution.isFinished() && cancelRequested.contains(execution.jobId())) {
        log.info("job {} cancelled before it started", execution.jobId());
        execution.cancel();
      } else if (execution.isJob() && !execution.isFinished() && controls.isCancelled(execution.batchId())) {
        log.debug("job {} of cancelled batch {}: not started", execution.jobId(), execution.batchId());
        execution.cancel();
      } else if (execution.isJob() && !execution.isFinished() && controls.isPaused(taskOf(execution))) {
        log.debug("job {} of paused task {}: parked", execution.jobId(), taskOf(execution));
        execution.park();
      }
    }
  }

  /** A cancel read from an input topic that names a task: its job may have been parked. Never one read from the parked topic (no loop). */
  private boolean followsToParked(ConsumerRecord<String, byte[]> record) {
    return !topics.parked().equals(record.topic()) && namesTask(record);
  }

  private static boolean namesTask(ConsumerRecord<String, byte[]> record) {
    String task = ParkedJobs.task(record.headers());
    return task != null && isTaskName(task);
  }

  private static boolean isTaskName(String task) {
    for (taskenum candidate : taskenum.values()) {
      if (candidate.name().equals(task)) {
        return true;
      }
    }
    return false;
  }

  private static String taskOf(JobExecution execution) {
    return execution.job().getTask().name();
  }

  /**
   * When the control topic moves, the jobs held here follow it: those of a cancelled batch, or
   * cancelled while their task was paused, end (waiting ones never start, running ones are
   * interrupted); waiting ones of a paused task are parked, running ones finish.
   */
  private void applyControls() {
    long version = controls.version();
    if (version == controlsSeen) {
      return;
    }
    controlsSeen = version;
    int stopped = 0;
    int parked = 0;
    jobs.endedUncommitted().forEach(execution -> {
      if (controls.isJobCancelled(execution.jobId())) {
        execution.carryOutControlCancel(); // ended before its cancel was read here: its commit tombstones the cancel
      }
    });
    for (JobExecution execution : jobs.unfinishedJobs()) {
      if (execution.isJob() && controls.isJobCancelled(execution.jobId())) {
        execution.cancelFromControlTopic();
        stopped++;
      } else if (execution.isJob() && controls.isCancelled(execution.batchId())) {
        log.debug("job {} of cancelled batch {}: stopped", execution.jobId(), execution.batchId());
        execution.cancel();
        stopped++;
      } else if (execution.isJob() && controls.isPaused(taskOf(execution)) && execution.park()) {
        parked++;
      }
    }
    if (stopped > 0) {
      log.info("{} job(s) of cancelled batches, or cancelled while their task was paused, held here stopped", stopped);
    }
    if (parked > 0) {
      log.info("{} waiting job(s) of paused tasks {} parked (running ones finish)", parked, controls.pausedTasks().keySet());
    }
  }

  /**
   * Hands waiting jobs to task threads while fewer than {@code concurrency} run; none while
   * draining. A task with a concurrency limit (the control topic) runs at most that many here at
   * once; its other jobs wait, and jobs of other tasks go past them.
   */
  private void startWaitingJobs() {
    if (!controls.isFreshWithin(CONTROLS_FRESH_WITHIN)) {
      return; // the control topic may say a waiting job is paused or cancelled: start nothing until it has been read anew
    }
    JobExecution next;
    while (running.get() && jobs.runningTasks() < settings.concurrency() && (next = jobs.nextToStart(this::underItsTasksLimit)) != null) {
      if (controls.isJobCancelled(next.jobId())) {
        // Checked again at the start: the control topic may have moved since this turn looked.
        log.info("job {} was cancelled before it started: it ends without starting", next.jobId());
        next.cancelFromControlTopic();
        continue;
      }
      dispatch(next);
    }
  }

  private boolean underItsTasksLimit(JobExecution execution) {
    TaskControls.Limit limit = controls.limit(taskOf(execution));
    return limit == null || jobs.runningOf(taskOf(execution)) < limit.concurrency();
  }

  private void endOverdueTasks() {
    long now = System.nanoTime();
    for (JobExecution execution : jobs.overdue(settings::deadline, now)) {
      Duration deadline = settings.deadline(execution);
      log.warn("job {} timed out after {} ms; its task thread is interrupted and no longer counted", execution.jobId(),
          deadline.toMillis());
      execution.timeOut(deadline);
    }
    for (JobExecution execution : jobs.silent(settings::heartbeatTimeout, now)) {
      Duration timeout = settings.heartbeatTimeout(execution);
      log.warn("job {}: no heartbeat for {} ms; it ends Error, its task thread is interrupted and no longer counted", execution.jobId(),
          timeout.toMillis());
      execution.heartbeatLost(timeout);
    }
  }

  private void dispatch(JobExecution execution) {
    FutureTask<Void> task = new FutureTask<>(() -> {
      execution.taskStarted();
      Outcome outcome;
      try {
        outcome = runner.run(execution);
      } catch (Throwable unexpected) { // never leave a job without an outcome
        outcome = Outcome.error("worker error: " + unexpected, 1);
      }
      execution.finish(outcome);
      consumer.wakeup(); // commit it without waiting out the poll
    }, null);
    execution.dispatched(task);
    jobs.dispatched(execution);
    taskThreads.execute(task);
  }

  /**
   * Pauses a partition, not all, once it holds {@code waitingPerPartition} records that wait for a
   * task thread or for their commit ({@link InFlightJobs#queuedByPartition}), is backlogged
   * behind a job that does not end ({@link PartitionLedger#isBacklogged}), or holds the parked jobs
   * of a paused task; resumes it at half that and once it is neither. Busy task threads do not stop polling: cancel requests keep arriving, and a
   * busy partition does not hold back the others.
   */
  private void applyFlowControl() {
    if (!running.get()) {
      return;
    }
    Set<TopicPartition> pause = new HashSet<>();
    Set<TopicPartition> resume = new HashSet<>();
    Set<TopicPartition> paused = consumer.paused();
    Map<TopicPartition, Integer> queuedByPartition = jobs.queuedByPartition();
    for (TopicPartition partition : consumer.assignment()) {
      int waiting = queuedByPartition.getOrDefault(partition, 0);
      boolean backlogged = jobs.isBacklogged(partition);
      boolean heldBack = isParkedOfPausedTask(partition); // its jobs wait in Kafka until the task is resumed
      if (!paused.contains(partition) && (waiting >= settings.waitingPerPartition() || backlogged || heldBack)) {
        pause.add(partition);
      } else if (paused.contains(partition) && waiting <= settings.waitingPerPartition() / 2 && !backlogged && !heldBack) {
        resume.add(partition);
      }
    }
    consumer.pause(pause);
    consumer.resume(resume);
  }

  private boolean isParkedOfPausedTask(TopicPartition partition) {
    return topics.parked().equals(partition.topic())
        && controls.isPaused(ParkedJobs.taskOf(partition.partition(), topics.partitions()));
  }

  private void closeQuietly() {
    committer.awaitInFlightQuietly(Duration.ofSeconds(10)); // after a failure: do not close the producer under a commit
    if (commitThread instanceof ExecutorService service) {
      service.shutdown();
    }
    try {
      consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.warn("closing consumer: {}", e.toString());
    }
    batches.close();
  }
}
