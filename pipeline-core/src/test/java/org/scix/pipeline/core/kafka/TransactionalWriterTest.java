package org.scix.pipeline.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TransactionalWriterTest {
  private final AtomicInteger created = new AtomicInteger();
  private MockProducer<String, Object> producer;

  private TransactionalWriter writer(Duration commitOutcomeTimeout) {
    TransactionalWriter writer = new TransactionalWriter("test", () -> {
      created.incrementAndGet();
      producer = new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
      return producer;
    }, () -> true, commitOutcomeTimeout);
    writer.init();
    return writer;
  }

  private TransactionalWriter writerWithTransactionTimeout(Duration transactionTimeout) {
    TransactionalWriter writer = new TransactionalWriter("test", () -> {
      created.incrementAndGet();
      producer = new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
      return producer;
    }, () -> true, Duration.ofSeconds(1), transactionTimeout);
    writer.init();
    return writer;
  }

  private static void sendOne(TransactionalWriter.Transaction transaction) {
    transaction.send(new ProducerRecord<>("topic", "key", "value"));
  }

  @Test
  void aCommittedTransactionMakesItsRecordsVisible() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(producer.history()).hasSize(1);
    assertThat(producer.transactionCommitted()).isTrue();
  }

  @Test
  void anAbortableFailureAbortsAndTheWriterCarriesOnWithTheSameProducer() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    producer.commitTransactionException = new KafkaException("broker hiccup");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Aborted.class);
    assertThat(producer.transactionAborted()).isTrue();
    assertThat(producer.history()).isEmpty();

    producer.commitTransactionException = null;
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(producer.history()).hasSize(1);
    assertThat(created).hasValue(1);
  }

  @Test
  void aFencedProducerIsFatalAndNeverReplaced() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    producer.commitTransactionException = new ProducerFencedException("a newer producer took the transactional id");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Fenced.class);
    // Fencing wrapped in another exception is still fencing.
    assertThat(TransactionalWriter.isFatal(new KafkaException("commit failed", new ProducerFencedException("fenced")))).isTrue();
    assertThat(TransactionalWriter.isFatal(new KafkaException("broker hiccup"))).isFalse();
    // A transaction the coordinator aborted after transaction.timeout.ms (the process was paused) is not fencing.
    assertThat(TransactionalWriter.isFatal(new InvalidProducerEpochException("old epoch"))).isFalse();
  }

  @Test
  void onlyARecordTheBrokerRefusesForWhatItIsIsBlamedNotOneCaughtInAFailedTransaction() {
    assertThat(TransactionalWriter.isRefusedRecord(new RecordTooLargeException("too large"))).isTrue();
    assertThat(TransactionalWriter.isRefusedRecord(new TransactionAbortedException("the transaction aborted"))).isFalse();
    assertThat(TransactionalWriter.isRefusedRecord(new KafkaException("failed", new CommitFailedException("rebalance")))).isFalse();
    assertThat(TransactionalWriter.isRefusedRecord(new TimeoutException("slow"))).isFalse();
    assertThat(TransactionalWriter.isRefusedRecord(null)).isFalse();
  }

  @Test
  void aTimedOutCommitIsRetriedNotAbortedAndCommitsOnce() {
    TransactionalWriter writer = writer(Duration.ofSeconds(5));
    AtomicInteger commits = new AtomicInteger();
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new TimeoutException("coordinator slow");
    Thread clearer = new Thread(() -> {
      sleep(300);
      first.commitTransactionException = null; // the coordinator answers on a later try
    });
    clearer.start();
    writer.write(transaction -> {
      commits.incrementAndGet();
      sendOne(transaction);
    });
    assertThat(first.transactionAborted()).isFalse();
    assertThat(first.history()).hasSize(1);
    assertThat(commits).hasValue(1);
    assertThat(created).hasValue(1);
  }

  @Test
  void aCommitThatNeverAnswersIsReportedAsOutcomeUnknownAndTheProducerIsReplaced() {
    TransactionalWriter writer = writer(Duration.ofMillis(200));
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new TimeoutException("coordinator gone");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.OutcomeUnknown.class);
    assertThat(first.transactionAborted()).isFalse(); // never guessed
    assertThat(first.closed()).isTrue();

    writer.write(TransactionalWriterTest::sendOne); // a new producer, whose init settles the old transaction
    assertThat(created).hasValue(2);
    assertThat(producer.history()).hasSize(1);
  }

  /**
   * A commit times out, then fails for good: fenced by a successor with this transactional id
   * (whose initTransactions completes a commit the coordinator had prepared) or anything else.
   * The transaction may have committed: the answer is outcome-unknown, never "aborted".
   */
  @Test
  void aCommitThatTimedOutAndThenFailsIsOutcomeUnknownNotAbortedOrFenced() {
    for (RuntimeException then : java.util.List.of(new ProducerFencedException("a successor took the transactional id"),
        new KafkaException("broker hiccup"))) {
      TransactionalWriter writer = writer(Duration.ofSeconds(5));
      MockProducer<String, Object> first = producer;
      first.commitTransactionException = new TimeoutException("coordinator slow");
      Thread successor = new Thread(() -> {
        sleep(200);
        first.commitTransactionException = then;
      });
      successor.start();
      assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne))
          .isInstanceOf(TransactionalWriter.OutcomeUnknown.class).hasMessageContaining("may have committed");
      assertThat(first.transactionAborted()).isFalse();
    }
  }

  /**
   * The coordinator answers a commit with INVALID_TXN_STATE when it finds the transaction already
   * complete (the no-op bench saw "state is COMPLETE_COMMIT, but received ... COMMIT" once): that
   * may be this commit, so the callers must not be told nothing is visible.
   */
  @Test
  void aCommitAnsweredWithInvalidTxnStateIsOutcomeUnknownAndTheProducerIsReplaced() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state.");

    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne))
        .isInstanceOf(TransactionalWriter.OutcomeUnknown.class).hasMessageContaining("may have committed");
    assertThat(first.transactionAborted()).isFalse();

    writer.write(TransactionalWriterTest::sendOne);
    assertThat(created).hasValue(2);
  }

  /**
   * Kafka was away longer than transaction.timeout.ms while a transaction was open: the coordinator
   * aborted it and bumped the epoch, and the producer is then told it is fenced (KAFKA-20785). No
   * other producer exists: the transaction is aborted and a new producer carries on. (Before, the
   * worker stopped on it: OutagesIT's frozen broker left its jobs unfinished.)
   */
  @Test
  void aFencingAfterTheTransactionOutlivedItsTimeoutIsTheCoordinatorsAbortNotAnotherProducer() {
    TransactionalWriter writer = writerWithTransactionTimeout(Duration.ofMillis(50));
    producer.commitTransactionException = new ProducerFencedException("epoch bumped by the coordinator's timeout abort");

    assertThatThrownBy(() -> writer.write(transaction -> {
      sleep(120); // Kafka away past transaction.timeout.ms
      sendOne(transaction);
    })).isInstanceOf(TransactionalWriter.Aborted.class);
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(created).hasValue(2);
    assertThat(producer.history()).hasSize(1);

    // Within the timeout, fencing is another producer with this transactional id: fatal.
    producer.commitTransactionException = new ProducerFencedException("a newer producer");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Fenced.class);
  }

  /**
   * The same coordinator abort, met by the abort rather than the commit: a send timed out while
   * Kafka was away, and when the writer aborts, the coordinator has already aborted the
   * transaction for its timeout and answers "fenced". Not another producer: the writer carries on
   * with a new one. (Before, the worker stopped on it: OutagesIT on Testcontainers, a broker frozen
   * by docker pause, left the accepted jobs without a terminal status.)
   */
  @Test
  void aFencedAbortAfterTheTransactionOutlivedItsTimeoutIsTheCoordinatorsAbortNotAnotherProducer() {
    TransactionalWriter writer = writerWithTransactionTimeout(Duration.ofMillis(50));
    producer.abortTransactionException = new ProducerFencedException("epoch bumped by the coordinator's timeout abort");

    assertThatThrownBy(() -> writer.write(transaction -> {
      sleep(120); // Kafka away past transaction.timeout.ms
      throw new TimeoutException("sendOffsetsToTransaction: no answer within max.block.ms");
    })).isInstanceOf(TransactionalWriter.Aborted.class);
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(created).hasValue(2);
    assertThat(producer.history()).hasSize(1);

    // Within the timeout, a fenced abort is another producer with this transactional id: fatal.
    producer.abortTransactionException = new ProducerFencedException("a newer producer");
    assertThatThrownBy(() -> writer.write(transaction -> {
      throw new TimeoutException("no answer");
    })).isInstanceOf(TransactionalWriter.Fenced.class);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
