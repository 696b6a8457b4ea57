package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-process-produce loop of one worker process, read top to bottom like Kafka's
 * {@code ExactlyOnceMessageProcessor}: poll, start each job's task on the pool, commit what is
 * due in one transaction ({@link DueCommits}), pause or resume intake. One thread (this one)
 * owns the consumer and the writer; {@link InFlightJobs} keeps the per-partition bookkeeping.
 *
 * <p>A job's terminal status, outputs and input offset commit together or not at all: a worker
 * killed mid-job leaves it uncommitted, another worker runs it again, and it still ends with
 * exactly one terminal status. A short job's Processing and terminal status share a transaction.
 * Long jobs do not stop polling (no rebalance, no second execution); while {@code concurrency}
 * tasks run, every partition is paused and polling goes on.
 */
public final class WorkerLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLoop.class);

  private final LoopSettings settings;
  private final String inputTopic;
  private final Consumer<String, byte[]> consumer;
  private final BatchWriter batches;
  private final DueCommits committer;
  private final JobDecoder decoder;
  private final RetryingTaskRunner runner;
  private final Executor taskThreads;
  private final WorkerMetrics metrics;
  private final InFlightJobs jobs = new InFlightJobs();
  private final AtomicBoolean running;
  private volatile boolean ready;
  private volatile boolean stopped;
  private volatile Throwable failure;
  private boolean paused;

  /** @param running cleared by {@link #stop}; shared with the writer, which stops retrying an unreachable Kafka then */
  WorkerLoop(LoopSettings settings, AtomicBoolean running, String inputTopic, Consumer<String, byte[]> consumer, BatchWriter batches,
      JobDecoder decoder, RetryingTaskRunner runner, Executor taskThreads, WorkerMetrics metrics) {
    this.settings = settings;
    this.running = running;
    this.inputTopic = inputTopic;
    this.consumer = consumer;
    this.batches = batches;
    this.committer = new DueCommits(jobs, batches, consumer, metrics);
    this.decoder = decoder;
    this.runner = runner;
    this.taskThreads = taskThreads;
    this.metrics = metrics;
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
      log.info("worker {} consuming {} (concurrency {})", settings.workerName(), inputTopic, settings.concurrency());
      long drainDeadline = Long.MAX_VALUE;
      while (running.get() || (jobs.size() > 0 && System.nanoTime() < drainDeadline)) {
        if (!running.get() && drainDeadline == Long.MAX_VALUE) {
          drainDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
          pauseAll();
          log.info("worker {} stopping: {} record(s) in flight, draining up to {} ms", settings.workerName(), jobs.size(),
              settings.drainTimeout().toMillis());
        }
        turn();
      }
      if (jobs.size() > 0) {
        log.warn("drain timeout: abandoning {} unfinished job(s); they will run again elsewhere", jobs.handBackAll());
      }
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
    consumer.subscribe(List.of(inputTopic), new Rebalance());
    ready = true;
  }

  /** One turn of the loop: receive, commit what is due, adjust intake. */
  void turn() {
    receive(poll());
    committer.commitDue();
    applyFlowControl();
    metrics.inFlight(jobs.size());
  }

  private Iterable<ConsumerRecord<String, byte[]>> poll() {
    try {
      return consumer.poll(Duration.ofMillis(jobs.size() > 0 ? 50 : 200));
    } catch (WakeupException e) {
      return List.of(); // a job finished, or stop() was called
    }
  }

  /** Queues what was polled and starts each job's task at once. A job cancelled in the same poll never starts. */
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
        if (!jobs.cancel(execution.partition(), execution.jobId())) {
          log.info("cancel of job {} ignored: it already finished", execution.jobId());
        }
      } else if (execution.isJob() && cancelRequested.contains(execution.jobId())) {
        log.info("job {} cancelled before it started", execution.jobId());
        execution.cancel();
      } else if (execution.isJob()) {
        dispatch(execution);
      }
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
    taskThreads.execute(task);
  }

  /** Pauses every partition while the task threads are busy; resumes when one is free. */
  private void applyFlowControl() {
    if (!running.get()) {
      return;
    }
    // Busy task threads limit intake, not finished jobs waiting for their commit (those hold no
    // thread; counting them halved throughput). The record count is still bounded, for memory.
    boolean full = jobs.runningTasks() >= settings.concurrency() || jobs.size() >= 4 * settings.concurrency();
    if (full && !paused) {
      pauseAll();
    } else if (!full && paused) {
      consumer.resume(consumer.paused());
      paused = false;
    }
  }

  private void pauseAll() {
    consumer.pause(consumer.assignment());
    paused = true;
  }

  private void closeQuietly() {
    try {
      consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.warn("closing consumer: {}", e.toString());
    }
    batches.close();
  }

  /** Cooperative rebalancing: only revoked partitions are touched. Runs inside poll(), on this thread. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Give running jobs of these partitions a bounded chance to finish and commit, well under
      // max.poll.interval.ms; then commit what finished and hand the rest back.
      long deadline = System.nanoTime() + settings.revocationWait().toNanos();
      while (System.nanoTime() < deadline && jobs.hasStartedUnfinished(partitions) && !Thread.currentThread().isInterrupted()) {
        LockSupport.parkNanos(20_000_000);
      }
      committer.commitDue();
      int handedBack = jobs.handBack(partitions);
      if (handedBack > 0) {
        log.info("partitions {} revoked; handing back {} unfinished job(s)", partitions, handedBack);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      log.warn("partitions {} lost; their jobs will run again on their new owner", partitions);
      jobs.handBack(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        log.info("worker {} assigned {}", settings.workerName(), partitions);
      }
      if (paused || !running.get()) {
        consumer.pause(partitions);
      }
    }
  }
}
