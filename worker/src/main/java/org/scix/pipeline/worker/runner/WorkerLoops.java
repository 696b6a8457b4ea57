package org.scix.pipeline.worker.runner;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.scix.pipeline.core.kafka.ControlState;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.RecordSizeLimit;
import org.scix.pipeline.core.kafka.TransactionalWriter.ProducerSettings;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.worker.WorkerConfig;

/** Assembles a {@link WorkerLoop} from a worker's configuration. */
public final class WorkerLoops {
  /** Bound of each blocking producer call (metadata, init, one commit attempt). */
  private static final Duration MAX_BLOCK = Duration.ofSeconds(10);
  /** How long a timed-out commit is retried before its outcome counts as unknown (then the producer is replaced, which settles it). */
  private static final Duration COMMIT_OUTCOME_TIMEOUT = Duration.ofSeconds(30);
  /** A worker killed mid-transaction blocks read_committed readers of its partitions until this expires. */
  private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

  private WorkerLoops() {}

  public static WorkerLoop create(WorkerConfig config, Consumer<String, byte[]> consumer, PipelineSerdes serdes, Executor taskThreads,
      MeterRegistry metrics, ControlState controls) {
    LoopSettings settings = config.loop();
    ProducerSettings producer = ProducerSettings.withKafkasDeliveryTimeout(transactionalId(config.instanceId()), MAX_BLOCK,
        COMMIT_OUTCOME_TIMEOUT, TRANSACTION_TIMEOUT);
    AtomicBoolean running = new AtomicBoolean(true);
    // While Kafka is unreachable the writer keeps trying to get a producer, until the loop is asked to stop.
    // After a fencing, a new producer takes the id only if the group shows no successor under it.
    GroupSuccessorCheck successors = GroupSuccessorCheck.overAdmin(config.kafka(), config.groupId(), consumerClientId(config.instanceId()),
        running::get);
    TransactionalWriter writer = TransactionalWriter.create(config.kafka(), producer, serdes.recordValues(), running::get, successors);
    WorkerLoop loop = new WorkerLoop(settings, running, config.topics(), consumer,
        new BatchWriter(config.topics(), writer, serdes.recordValues(), RecordSizeLimit.of(config.kafka()), settings.workerName()),
        new JobDecoder(serdes.deserializer(TemplateInput.class)),
        new RetryingTaskRunner(config.tasks().registry(), config.tasks().maxAttempts(), config.tasks().retryBackoff()),
        taskThreads, commitThread(), new WorkerMetrics(metrics), controls);
    loop.onJoined(successors::joined);
    return loop;
  }

  /** A worker consumer's client id: one per instance id, as its transactional id. */
  public static String consumerClientId(String instanceId) {
    return "scix-worker-" + instanceId;
  }

  private static ExecutorService commitThread() {
    return Executors.newSingleThreadExecutor(Threads.daemonFactory("worker-commit"));
  }

  /** A worker's transactional id: one per instance id, so a restarted worker fences its predecessor. */
  public static String transactionalId(String instanceId) {
    return "scix-worker-" + instanceId;
  }
}
