package org.scix.pipeline.core.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a transactional producer, used by the gateway's submitter and by the worker
 * (the role Kafka Streams' {@code StreamsProducer} plays). Callers hand it the body of a
 * transaction; it runs begin, the body's sends and offsets, and commit, and turns every producer
 * error into one of three outcomes so no caller classifies Kafka exceptions itself:
 *
 * <ul>
 *   <li>{@link Fenced}: another process may own this transactional id, or the cluster refuses us
 *       (authorization, unsupported version, a broken sequence). Fatal: stop writing.
 *   <li>{@link Aborted}: the transaction did not commit and nothing of it is visible. The writer
 *       has aborted it (or dropped the producer, to be replaced on the next write); retry freely.
 *   <li>{@link OutcomeUnknown}: the commit was sent but did not answer within the outcome timeout,
 *       although {@code commitTransaction} was retried as {@code KafkaProducer} allows, or it was
 *       answered "fenced". The transaction may have committed; the producer is replaced, and the
 *       caller must find out (committed offsets, the status topic) before writing the same results again.
 * </ul>
 *
 * <p>Fencing. A "fenced" answer has two causes the client cannot tell apart: a successor started
 * with this transactional id (its {@code initTransactions} bumped the epoch), or the coordinator
 * aborted a transaction that outlived {@code transaction.timeout.ms} (KAFKA-20785). A process
 * paused past that timeout is exactly the zombie whose successor fenced it, so elapsed time proves
 * nothing. Two consequences:
 *
 * <ul>
 *   <li>A fenced <em>commit</em> is {@link OutcomeUnknown}, never {@link Aborted}: if our EndTxn
 *       reached the coordinator before the successor's init, that init completes our commit.
 *   <li>After any fencing, a new producer with this transactional id would fence the successor in
 *       turn (and a zombie would write beside it). The writer re-initialises only once its
 *       {@link SuccessorCheck} proves no other live process holds the id; without that proof it
 *       is {@link Fenced} for good.
 * </ul>
 *
 * <p>Used from one thread at a time.
 */
public final class TransactionalWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TransactionalWriter.class);

  private final String transactionalId;
  private final Supplier<Producer<String, Object>> factory;
  private final BooleanSupplier keepTrying;
  private final Duration commitOutcomeTimeout;
  private final SuccessorCheck successors;
  private RuntimeException fencedBy; // non-null: a fencing was seen and no successor has been ruled out since
  private Producer<String, Object> producer; // null: to be (re)created before the next transaction

  /**
   * @param keepTrying while true, a producer that cannot be initialised (Kafka unreachable) is
   *     retried every second; when it turns false, the write fails {@link Aborted}
   * @param commitOutcomeTimeout how long a timed-out commit is retried before its outcome counts as unknown
   */
  public TransactionalWriter(String transactionalId, Supplier<Producer<String, Object>> factory, BooleanSupplier keepTrying,
      Duration commitOutcomeTimeout) {
    this(transactionalId, factory, keepTrying, commitOutcomeTimeout, SuccessorCheck.NONE);
  }

  /** @param successors consulted after a fencing, before a new producer may take this transactional id again */
  public TransactionalWriter(String transactionalId, Supplier<Producer<String, Object>> factory, BooleanSupplier keepTrying,
      Duration commitOutcomeTimeout, SuccessorCheck successors) {
    this.transactionalId = transactionalId;
    this.factory = factory;
    this.keepTrying = keepTrying;
    this.commitOutcomeTimeout = commitOutcomeTimeout;
    this.successors = successors;
  }

  /** A writer over a {@link KafkaProducer} built from {@link #producerConfig}; a fencing is final. */
  public static TransactionalWriter create(KafkaSettings kafka, ProducerSettings settings, RecordValueSerializer values,
      BooleanSupplier keepTrying) {
    return create(kafka, settings, values, keepTrying, SuccessorCheck.NONE);
  }

  /** A writer over a {@link KafkaProducer} built from {@link #producerConfig}, carrying on after a fencing once {@code successors} rules one out. */
  public static TransactionalWriter create(KafkaSettings kafka, ProducerSettings settings, RecordValueSerializer values,
      BooleanSupplier keepTrying, SuccessorCheck successors) {
    Map<String, Object> config = producerConfig(kafka, settings);
    return new TransactionalWriter(settings.transactionalId(),
        () -> new KafkaProducer<>(config, new StringSerializer(), values), keepTrying, settings.commitOutcomeTimeout(), successors);
  }

  /**
   * Proof that no other live process holds a transactional id, asked after a fencing and before
   * the writer initialises a new producer with it. It must be authoritative (for example a
   * membership the successor must take over <em>before</em> it initialises its producers, read
   * after the fencing was seen): a successor that fenced us then cannot go unnoticed, and one that
   * starts after the check fences our new producer, which brings us back here.
   */
  @FunctionalInterface
  public interface SuccessorCheck {
    /** No proof: a fenced writer never takes its transactional id again. */
    SuccessorCheck NONE = transactionalId -> false;

    /** True only if no other live process can hold {@code transactionalId} (may block; false when unsure). */
    boolean ruledOut(String transactionalId);
  }

  /**
   * How the transactional producer of either service is configured.
   *
   * @param maxBlock bound of every blocking producer call (metadata, init, commit attempts)
   * @param deliveryTimeout bound of one record's delivery; null keeps Kafka's default (120 s)
   * @param commitOutcomeTimeout how long a timed-out commit is retried before its outcome counts as unknown
   * @param transactionTimeout how long a transaction left open by a dead process blocks
   *     {@code read_committed} readers of its partitions before the coordinator aborts it
   */
  public record ProducerSettings(String transactionalId, Duration maxBlock, Duration deliveryTimeout, Duration commitOutcomeTimeout,
      Duration transactionTimeout) {
    /** Every blocking step (metadata, init, one commit attempt, a record's delivery, learning a commit's outcome) bounded by {@code deadline}. */
    public static ProducerSettings allBoundedBy(String transactionalId, Duration deadline, Duration transactionTimeout) {
      return new ProducerSettings(transactionalId, deadline, deadline, deadline, transactionTimeout);
    }

    /** Kafka's own delivery timeout (120 s); blocking calls bounded by {@code maxBlock}; an unknown commit outcome retried for {@code commitOutcomeTimeout}. */
    public static ProducerSettings withKafkasDeliveryTimeout(String transactionalId, Duration maxBlock, Duration commitOutcomeTimeout,
        Duration transactionTimeout) {
      return new ProducerSettings(transactionalId, maxBlock, null, commitOutcomeTimeout, transactionTimeout);
    }
  }

  public static Map<String, Object> producerConfig(KafkaSettings kafka, ProducerSettings settings) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, settings.transactionalId());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.maxBlock().toMillis());
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) settings.transactionTimeout().toMillis());
    if (settings.deliveryTimeout() != null) {
      long delivery = Math.max(2000, settings.deliveryTimeout().toMillis());
      config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, delivery / 2));
      config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
    }
    // Back-to-back transactions: the next one's first produce meets the previous one's commit
    // markers still being written (CONCURRENT_TRANSACTIONS, retriable) and waits retry.backoff.ms,
    // 100 ms by default, which then dominates a job's latency. KAFKA_CLIENT_RETRY_BACKOFF_MS overrides.
    config.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
    return config;
  }

  /** What the body of a transaction may do. */
  public interface Transaction {
    void send(ProducerRecord<String, Object> record);

    /**
     * Sends, telling {@code onFailure} if the broker refuses this record for what it is (too
     * large, invalid, an invalid topic): the transaction then aborts, and the caller knows which
     * record to blame. Nothing else is reported here: a record that fails because its transaction
     * failed (a retriable error, a rebalance, fencing) is not at fault.
     *
     * @return where the record landed, once the broker has it (before the commit; the record is
     *     visible to read_committed readers only if the transaction commits)
     */
    Future<RecordMetadata> send(ProducerRecord<String, Object> record, Consumer<Exception> onFailure);

    /** Commits consumer offsets with this transaction, fenced by the group generation (KIP-447). */
    void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group);
  }

  /** Creates the producer and fences any predecessor with this transactional id (aborting what it left open). */
  public void init() {
    ready();
  }

  /**
   * {@link #init}, then fetches the partition metadata of the topics the transactions will write,
   * so the first transaction after a start does not also wait for those lookups. (It still costs
   * more than later ones: a fresh JVM and the first offsets commit to the group coordinator.)
   */
  public void init(Collection<String> topics) {
    Producer<String, Object> p = ready();
    for (String topic : topics) {
      try {
        p.partitionsFor(topic);
      } catch (RuntimeException e) {
        log.debug("{}: no metadata for {} yet ({}); the first send fetches it", transactionalId, topic, e.toString());
      }
    }
  }

  /**
   * Runs one transaction.
   *
   * @throws Fenced if this writer must not write again
   * @throws Aborted if the transaction did not commit (nothing of it is visible)
   * @throws OutcomeUnknown if the commit may or may not have happened
   */
  public void write(Consumer<Transaction> body) {
    Producer<String, Object> p = ready();
    // A record the broker refused as fenced: the producer is then in an error state and its commit
    // fails without being sent, so nothing of this transaction can commit (fenced, not unknown).
    AtomicReference<Exception> sendFenced = new AtomicReference<>();
    try {
      p.beginTransaction();
      body.accept(new Transaction() {
        @Override
        public void send(ProducerRecord<String, Object> record) {
          p.send(record, (metadata, error) -> noteFencing(error, sendFenced));
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<String, Object> record, Consumer<Exception> onFailure) {
          return p.send(record, (metadata, error) -> {
            noteFencing(error, sendFenced);
            if (isRefusedRecord(error)) {
              onFailure.accept(error);
            }
          });
        }

        @Override
        public void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
          p.sendOffsetsToTransaction(offsets, group);
        }
      });
    } catch (RuntimeException e) {
      throw abort(e);
    }
    commit(p, sendFenced);
  }

  private static void noteFencing(Exception error, AtomicReference<Exception> sendFenced) {
    if (error != null && (isFencing(error) || isCause(error, InvalidProducerEpochException.class))) {
      sendFenced.compareAndSet(null, error);
    }
  }

  private void commit(Producer<String, Object> p, AtomicReference<Exception> sendFenced) {
    long deadline = System.nanoTime() + commitOutcomeTimeout.toNanos();
    TimeoutException timedOut = null;
    while (true) {
      try {
        p.commitTransaction();
        return;
      } catch (TimeoutException e) {
        timedOut = e;
        // The commit request may have reached the coordinator; aborting now would guess. Retrying
        // commitTransaction waits for the same commit's result (KafkaProducer's documented contract).
        if (System.nanoTime() > deadline || !keepTrying.getAsBoolean()) {
          log.warn("{}: commit outcome unknown after {} ms; replacing the producer", transactionalId, commitOutcomeTimeout.toMillis());
          discardProducer();
          throw new OutcomeUnknown("the commit did not answer within " + commitOutcomeTimeout.toMillis() + " ms: " + e.getMessage(), e);
        }
        log.info("{}: commit timed out, waiting for its outcome: {}", transactionalId, e.getMessage());
        pause(50);
      } catch (RuntimeException e) {
        if (sendFenced.get() != null && timedOut == null) {
          throw afterFencing(e); // a send was answered fenced: the commit was never sent
        }
        if (isFencing(e) || isCause(e, InvalidProducerEpochException.class)) {
          // Our EndTxn may have reached the coordinator before the fencing: a successor's
          // initTransactions then completes our commit. Whatever the elapsed time, not "aborted".
          fenced(e);
          throw new OutcomeUnknown("the commit was answered fenced (" + e + "); it may have committed", e);
        }
        if (isCause(e, InvalidTxnStateException.class)) {
          // The coordinator found the transaction already ended when the commit reached it (seen in
          // the no-op bench: "state is COMPLETE_COMMIT, but received ... COMMIT"): it may be this
          // very commit, answered late. The producer is unusable (a fatal error in Kafka's client).
          discardProducer();
          throw new OutcomeUnknown("the coordinator found the transaction already ended (" + e + "); it may have committed", e);
        }
        if (timedOut != null) {
          // The commit request may have reached the coordinator before this failure: the
          // transaction may have committed. Not "aborted".
          discardProducer();
          throw new OutcomeUnknown("the commit timed out, then failed (" + e + "); it may have committed", e);
        }
        throw abort(e);
      }
    }
  }

  /**
   * Classifies a failure inside a transaction (before its commit was sent, so nothing of it can
   * commit) and leaves the writer ready for the next one, or fenced.
   */
  private RuntimeException abort(RuntimeException failure) {
    if (isFencing(failure)) {
      return afterFencing(failure);
    }
    if (isFatal(failure)) {
      discardProducer();
      return new Fenced(transactionalId, failure);
    }
    try {
      producer.abortTransaction();
    } catch (RuntimeException abortFailed) {
      if (isFencing(abortFailed)) {
        return afterFencing(abortFailed);
      }
      if (isFatal(abortFailed)) {
        discardProducer();
        return new Fenced(transactionalId, abortFailed);
      }
      // The next write replaces the producer; its initTransactions aborts whatever this one left open.
      log.info("{}: abort failed ({}); the producer will be replaced", transactionalId, abortFailed.toString());
      discardProducer();
    }
    return new Aborted("transaction aborted: " + failure.getMessage(), failure);
  }

  /**
   * Fenced before the commit was sent: nothing of the transaction is visible. If no successor can
   * be ruled out, the writer is done; otherwise (the coordinator aborted a transaction that
   * outlived its timeout) a new producer carries on.
   */
  private RuntimeException afterFencing(RuntimeException failure) {
    fenced(failure);
    if (!successorRuledOut()) {
      return new Fenced(transactionalId, failure);
    }
    return new Aborted("fenced with no successor (the coordinator aborted the transaction): " + failure.getMessage(), failure);
  }

  private void fenced(RuntimeException failure) {
    log.warn("{}: fenced ({}); no new producer with this transactional id until no successor is proven", transactionalId,
        failure.toString());
    fencedBy = failure;
    discardProducer();
  }

  /** Asks the {@link SuccessorCheck}; clears the fencing once it proves there is no successor. */
  private boolean successorRuledOut() {
    if (fencedBy == null) {
      return true;
    }
    boolean ruledOut;
    try {
      ruledOut = successors.ruledOut(transactionalId);
    } catch (RuntimeException e) {
      log.warn("{}: cannot rule out a successor: {}", transactionalId, e.toString());
      ruledOut = false;
    }
    if (ruledOut) {
      log.info("{}: no successor holds this transactional id; a new producer takes it again", transactionalId);
      fencedBy = null;
    }
    return ruledOut;
  }

  /** The producer, created and initialised if needed; retries every second while Kafka is unreachable. */
  private Producer<String, Object> ready() {
    // Never initTransactions after a fencing unless no successor is proven: that init would fence
    // the successor (the legitimate owner) and let this zombie write beside it.
    if (producer == null && !successorRuledOut()) {
      throw new Fenced(transactionalId, fencedBy);
    }
    while (producer == null) {
      if (!keepTrying.getAsBoolean()) {
        throw new Aborted("stopped before a transactional producer was ready", null);
      }
      Producer<String, Object> candidate = factory.get();
      try {
        candidate.initTransactions();
        producer = candidate;
      } catch (RuntimeException e) {
        closeQuietly(candidate);
        if (isFatal(e)) {
          throw new Fenced(transactionalId, e);
        }
        log.warn("{}: cannot initialise a transactional producer yet: {}", transactionalId, e.toString());
        pause(1000);
      }
    }
    return producer;
  }

  /** The broker refused the record itself, whatever the transaction: retrying the same record cannot succeed. */
  static boolean isRefusedRecord(Throwable error) {
    return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidRecordException || error instanceof InvalidTopicException;
  }

  private static boolean isCause(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (type.isInstance(e)) {
        return true;
      }
    }
    return false;
  }

  static boolean isFatal(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      // Not InvalidProducerEpochException on a send: abortTransaction bumps the epoch and the
      // producer goes on (KIP-588); if a successor took the id, that abort is answered fenced.
      if (e instanceof ProducerFencedException || e instanceof FencedInstanceIdException
          || e instanceof OutOfOrderSequenceException || e instanceof AuthorizationException || e instanceof UnsupportedVersionException) {
        return true;
      }
    }
    return false;
  }

  /** Another producer may have taken this transactional id (or the coordinator bumped its epoch). */
  static boolean isFencing(Throwable failure) {
    return isCause(failure, ProducerFencedException.class);
  }

  private void discardProducer() {
    if (producer != null) {
      closeQuietly(producer);
      producer = null;
    }
  }

  private static void closeQuietly(Producer<?, ?> p) {
    try {
      p.close(Duration.ZERO);
    } catch (RuntimeException ignored) {
      // already broken
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Aborted("interrupted while waiting for Kafka", e);
    }
  }

  /** Closes the producer, waiting up to {@code timeout} for records in flight. */
  public void close(Duration timeout) {
    if (producer != null) {
      producer.close(timeout);
      producer = null;
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /** Another process owns this transactional id, or the cluster refuses this client: stop writing. */
  public static final class Fenced extends RuntimeException {
    Fenced(String transactionalId, Throwable cause) {
      super("transactional id " + transactionalId + " cannot write: " + cause, cause);
    }
  }

  /** The transaction did not commit; nothing of it is visible. Safe to retry. */
  public static final class Aborted extends RuntimeException {
    Aborted(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The commit may or may not have happened; find out before writing the same results again. */
  public static final class OutcomeUnknown extends RuntimeException {
    OutcomeUnknown(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
