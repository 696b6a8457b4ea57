package org.scix.pipeline.gateway.delayed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.core.kafka.TransactionalWriter;
import org.scix.pipeline.gateway.delayed.WaitingJobs.Action;
import org.scix.pipeline.gateway.delayed.WaitingJobs.CancelWaiting;
import org.scix.pipeline.gateway.delayed.WaitingJobs.HandOn;
import org.scix.pipeline.gateway.delayed.WaitingJobs.PassCancelOn;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands delayed jobs to the workers when they are due, exactly once, from whichever gateway
 * replica owns their partition of the delayed topic. The replicas form a consumer group on that
 * topic; the owner of a partition reads it from its beginning (it is compacted: what is left is
 * what still waits) and, when a job is due, writes in one transaction the job's record to the
 * input topic and a tombstone for it on the delayed topic, with an offset commit fenced by the
 * group's generation (KIP-447): a replica that lost the partition cannot commit. A new owner first
 * reads the partition's committed offset, which waits for a predecessor's open transaction to end
 * (Kafka's stable-offset fetch), then reads up to the last stable offset: a job its predecessor
 * handed on is known as such before anything is due. Cancel requests are acted on the same way:
 * a waiting job ends cancelled (Error "cancelled") and never runs; one handed on already gets an
 * ordinary cancel on the input topic.
 */
public final class DelayedJobs implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(DelayedJobs.class);
  private static final int MAX_ACTIONS_PER_TRANSACTION = 500;
  private static final long MAX_POLL_WAIT_MS = 200;

  private final Consumer<String, byte[]> consumer;
  private final TransactionalWriter writer;
  private final TopicSettings topics;
  private final String writerName;
  private final Clock clock;
  private final WaitingJobs waiting = new WaitingJobs();
  private final Set<TopicPartition> toReload = new HashSet<>(); // assigned, not read from the beginning yet
  private final Counter handedOn;
  private final Counter cancelled;
  private volatile boolean running = true;
  private volatile boolean stopped;

  /**
   * @param consumer a read_committed consumer in the replicas' group on the delayed topic, not subscribed yet
   * @param writer this replica's own transactional writer for delayed jobs
   * @param writerName written into the cancelled status as its author ("gateway-" + instance id)
   */
  public DelayedJobs(Consumer<String, byte[]> consumer, TransactionalWriter writer, TopicSettings topics, String writerName, Clock clock,
      MeterRegistry metrics) {
    this.consumer = consumer;
    this.writer = writer;
    this.topics = topics;
    this.writerName = writerName;
    this.clock = clock;
    this.handedOn = Counter.builder("pipeline.delayed.handed_on").description("Delayed jobs handed to the workers when due")
        .register(metrics);
    this.cancelled = Counter.builder("pipeline.delayed.cancelled").description("Delayed jobs cancelled before they were due")
        .register(metrics);
    metrics.gauge("pipeline.delayed.waiting", waiting, w -> stopped ? 0 : w.size());
  }

  @Override
  public void run() {
    try {
      writer.init(List.of(topics.input(), topics.status(), topics.delayed()));
      consumer.subscribe(List.of(topics.delayed()), new Ownership());
      while (running) {
        try {
          turn();
        } catch (TransactionalWriter.Fenced | WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          // Kafka away (a timeout reading offsets), or the like: nothing is lost, the turn is taken again.
          log.warn("delayed jobs: {}; trying again in a second", e.toString());
          pause(1000);
        }
      }
    } catch (TransactionalWriter.Fenced e) {
      log.error("delayed jobs: another gateway uses this instance id; this replica hands on no delayed job any more ({})", e.getMessage());
    } catch (WakeupException e) {
      // stop() while starting
    } catch (RuntimeException e) {
      log.error("delayed jobs stopped on an unexpected error: {}", e.toString(), e);
    } finally {
      stopped = true;
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("closing the delayed-jobs consumer: {}", e.toString());
      }
      writer.close();
    }
  }

  /** One turn: read what arrived, then act on what is due in one transaction. */
  void turn() {
    if (!toReload.isEmpty()) {
      Set<TopicPartition> owned = new HashSet<>(toReload);
      owned.retainAll(consumer.assignment());
      reload(owned);
      toReload.clear();
    }
    long now = clock.millis();
    long wait = Math.max(0, Math.min(MAX_POLL_WAIT_MS, waiting.nextDue() - now));
    try {
      consumer.poll(Duration.ofMillis(wait)).forEach(waiting::apply);
    } catch (WakeupException e) {
      return;
    }
    consumer.assignment().forEach(partition -> waiting.readUpTo(partition, consumer.position(partition)));
    List<Action> due = waiting.due(clock.millis(), MAX_ACTIONS_PER_TRANSACTION);
    if (!due.isEmpty()) {
      write(due);
    }
  }

  public void stop() {
    running = false;
    consumer.wakeup();
  }

  public boolean isStopped() {
    return stopped;
  }

  private void write(List<Action> actions) {
    Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
    actions.forEach(action -> fence.put(action.partition(), new OffsetAndMetadata(consumer.position(action.partition()))));
    try {
      writer.write(transaction -> {
        actions.forEach(action -> records(action).forEach(transaction::send));
        transaction.sendOffsets(fence, consumer.groupMetadata());
      });
    } catch (TransactionalWriter.Aborted e) {
      log.warn("delayed jobs: transaction of {} action(s) aborted, will retry: {}", actions.size(), e.getMessage());
      waiting.release(actions);
      return;
    } catch (TransactionalWriter.OutcomeUnknown e) {
      // The writer replaced its producer, which settled the transaction; what committed is read
      // back from the topic: these partitions are read again from their beginning.
      log.warn("delayed jobs: outcome of {} action(s) unknown; re-reading their partitions: {}", actions.size(), e.getMessage());
      reload(fence.keySet());
      return;
    }
    waiting.done(actions);
    for (Action action : actions) {
      if (action instanceof HandOn h) {
        handedOn.increment();
        log.info("delayed job {} handed to the workers (due {})", h.jobId(), Instant.ofEpochMilli(DelayedRecords.dueAt(h.record().headers())));
      } else if (action instanceof CancelWaiting) {
        cancelled.increment();
        log.info("delayed job {} cancelled before it was due", action.jobId());
      } else {
        log.info("cancel of delayed job {} passed on to the workers (it was handed on already)", action.jobId());
      }
    }
  }

  /** The records one action writes: its effect, then the tombstones that mark it done. */
  private List<ProducerRecord<String, Object>> records(Action action) {
    if (action instanceof HandOn h) {
      return List.of(
          new ProducerRecord<>(topics.input(), null, h.jobId(), h.record().value(), new RecordHeaders(h.record().headers().toArray())),
          tombstone(h.record()));
    }
    if (action instanceof CancelWaiting c) {
      return List.of(new ProducerRecord<>(topics.status(), c.jobId(), cancelledStatus(c)), tombstone(c.record()), tombstone(c.request()));
    }
    PassCancelOn p = (PassCancelOn) action;
    return List.of(ControlRecords.cancel(topics.input(), p.jobId(), ControlRecords.traceparent(p.request().headers())),
        tombstone(p.request()));
  }

  private JobStatus cancelledStatus(CancelWaiting c) {
    JobStatus event = JobStatuses.event(c.jobId(), JobState.Error, null, 0, writerName, ControlRecords.CANCELLED_REASON,
        ControlRecords.traceparent(c.record().headers()));
    long submitted = DelayedRecords.submittedAt(c.record().headers());
    event.setSubmittedTime(submitted > 0 ? Instant.ofEpochMilli(submitted) : null);
    event.setDueTime(Instant.ofEpochMilli(DelayedRecords.dueAt(c.record().headers())));
    return event;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ProducerRecord<String, Object> tombstone(ConsumerRecord<String, byte[]> record) {
    return new ProducerRecord<>(record.topic(), record.partition(), record.key(), null);
  }

  /** Reads {@code partitions} again from where they begin, after the predecessor's (or our own) open transaction ended. */
  private void reload(Collection<TopicPartition> partitions) {
    consumer.committed(Set.copyOf(partitions)); // a stable-offset fetch: waits for a pending transactional commit on them
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions); // read_committed: the last stable offsets
    waiting.forget(partitions);
    partitions.forEach(partition -> waiting.assigned(partition, ends.getOrDefault(partition, 0L)));
    consumer.seekToBeginning(partitions);
  }

  /** The group moves partitions between replicas: a new owner reads them whole; a former one forgets them. */
  private final class Ownership implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        log.info("delayed jobs: this replica now owns {}", partitions);
        toReload.addAll(partitions); // read on the next turn, outside the callback, where a Kafka timeout is retried
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      forget(partitions); // transactions run on this thread: none is open now
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      toReload.removeAll(partitions);
      waiting.forget(partitions);
    }
  }
}
