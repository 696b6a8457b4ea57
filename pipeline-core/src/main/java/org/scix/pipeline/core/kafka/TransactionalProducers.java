package org.scix.pipeline.core.kafka;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What gateway and worker both do after a transaction failed. */
public final class TransactionalProducers {
  private static final Logger log = LoggerFactory.getLogger(TransactionalProducers.class);

  private TransactionalProducers() {}

  /**
   * Aborts the failed transaction if the producer still can; otherwise closes it and creates a
   * new one, whose {@code initTransactions} aborts whatever the old one left open. Retries every
   * second while Kafka is unreachable and {@code keepTrying} holds.
   *
   * @return the producer to use from now on
   * @throws ProducerFencedException if another instance took over this transactional id (fatal)
   * @throws IllegalStateException if {@code keepTrying} turned false before a producer was ready
   */
  public static <K, V> Producer<K, V> recover(Producer<K, V> failed, Supplier<Producer<K, V>> factory, BooleanSupplier keepTrying) {
    try {
      failed.abortTransaction();
      return failed;
    } catch (RuntimeException abortFailed) {
      log.info("abort failed ({}); replacing the transactional producer", abortFailed.toString());
    }
    closeQuietly(failed);
    while (keepTrying.getAsBoolean()) {
      Producer<K, V> producer = factory.get();
      try {
        producer.initTransactions();
        return producer;
      } catch (ProducerFencedException fatal) {
        closeQuietly(producer);
        throw fatal;
      } catch (RuntimeException e) {
        log.warn("cannot initialise a transactional producer yet: {}", e.toString());
        closeQuietly(producer);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new IllegalStateException("stopped while Kafka was unreachable");
  }

  private static void closeQuietly(Producer<?, ?> producer) {
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException ignored) {
      // already broken
    }
  }

  /**
   * Back-to-back transactions: the next one's first produce meets the previous one's commit
   * markers still being written (CONCURRENT_TRANSACTIONS, retriable) and waits retry.backoff.ms,
   * 100 ms by default, which then dominates a job's latency. A short backoff keeps the retry
   * tight. KAFKA_CLIENT_RETRY_BACKOFF_MS overrides.
   */
  public static void lowLatencyDefaults(java.util.Map<String, Object> producerConfig) {
    producerConfig.putIfAbsent(org.apache.kafka.clients.producer.ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
  }
}
