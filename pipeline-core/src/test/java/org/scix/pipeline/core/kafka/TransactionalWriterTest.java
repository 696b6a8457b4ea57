package org.scix.pipeline.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** A writer whose {@link TransactionalWriter.SuccessorCheck} answers {@code successorRuledOut}, counting the questions. */
  private TransactionalWriter writerWithSuccessorCheck(AtomicBoolean successorRuledOut, AtomicInteger asked) {
    TransactionalWriter writer = new TransactionalWriter("test", () -> {
      created.incrementAndGet();
      producer = new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]);
      return producer;
    }, () -> true, Duration.ofSeconds(1), id -> {
      asked.incrementAndGet();
      return successorRuledOut.get();
    });
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

  /**
   * A fenced commit may have committed (a successor's initTransactions completes a commit whose
   * EndTxn reached the coordinator first): outcome unknown. And the writer is done: a new producer
   * would fence the successor.
   */
  @Test
  void aFencedCommitIsOutcomeUnknownAndTheWriterNeverTakesTheIdAgain() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new ProducerFencedException("a newer producer took the transactional id");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne))
        .isInstanceOf(TransactionalWriter.OutcomeUnknown.class).hasMessageContaining("may have committed");
    assertThat(first.transactionAborted()).isFalse();

    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThatThrownBy(writer::init).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThat(created).hasValue(1); // no second initTransactions on the id
  }

  /**
   * A successor took the id before this transaction began: its records are refused as fenced, so
   * its commit is never sent and nothing of it can commit. That is "fenced" (the caller hears the
   * replica is fenced, not "outcome unknown": GuaranteesIT's twin gateway failed on it).
   */
  @Test
  void aTransactionWhoseRecordsWereRefusedAsFencedIsFencedNotOutcomeUnknown() {
    TransactionalWriter writer = new TransactionalWriter("test", () -> {
      created.incrementAndGet();
      producer = new MockProducer<>(false, null, new StringSerializer(), (topic, value) -> new byte[0]);
      return producer;
    }, () -> true, Duration.ofSeconds(1));
    writer.init();
    MockProducer<String, Object> first = producer;
    first.commitTransactionException = new org.apache.kafka.common.KafkaException("Cannot execute transactional method because we are in an error state",
        new ProducerFencedException("a newer producer took the transactional id"));
    assertThatThrownBy(() -> writer.write(transaction -> {
      sendOne(transaction);
      first.errorNext(new ProducerFencedException("a newer producer took the transactional id"));
    })).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThat(created).hasValue(1);
  }

  @Test
  void fencingIsRecognisedThroughWrappersAndOnlyFatalErrorsAreFatal() {
    assertThat(TransactionalWriter.isFatal(new KafkaException("commit failed", new ProducerFencedException("fenced")))).isTrue();
    assertThat(TransactionalWriter.isFencing(new KafkaException("commit failed", new ProducerFencedException("fenced")))).isTrue();
    assertThat(TransactionalWriter.isFatal(new KafkaException("broker hiccup"))).isFalse();
    // On a send, an old epoch is abortable (KIP-588): the abort bumps the epoch, or is answered fenced.
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
   * A process paused past transaction.timeout.ms is exactly the zombie whose successor fenced it:
   * elapsed time does not make a fencing the coordinator's own abort. The commit may have
   * committed (outcome unknown, not Aborted), and without proof of no successor the writer does not
   * initialise a producer on the id again (that would fence the successor).
   */
  @Test
  void aCommitFencedAfterTheTransactionTimeoutIsOutcomeUnknownAndNoSuccessorIsFencedWithoutProof() {
    AtomicBoolean successorRuledOut = new AtomicBoolean(false);
    AtomicInteger asked = new AtomicInteger();
    TransactionalWriter writer = writerWithSuccessorCheck(successorRuledOut, asked);
    producer.commitTransactionException = new ProducerFencedException("epoch bumped: a successor, or the coordinator's timeout abort");

    assertThatThrownBy(() -> writer.write(transaction -> {
      sleep(120); // paused past a (short) transaction.timeout.ms
      sendOne(transaction);
    })).isInstanceOf(TransactionalWriter.OutcomeUnknown.class);

    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThat(created).hasValue(1);
    assertThat(asked).hasValue(1);

    // Once no successor is proven (the coordinator's abort), a new producer carries on.
    successorRuledOut.set(true);
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(created).hasValue(2);
    assertThat(producer.history()).hasSize(1);
  }

  @Test
  void aCommitAnsweredWithAnOldEpochIsOutcomeUnknownLikeAnyFencedCommit() {
    TransactionalWriter writer = writer(Duration.ofSeconds(1));
    producer.commitTransactionException = new InvalidProducerEpochException("epoch bumped");
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.OutcomeUnknown.class);
    assertThatThrownBy(() -> writer.write(TransactionalWriterTest::sendOne)).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThat(created).hasValue(1);
  }

  /**
   * Fenced before the commit was sent (the abort after a timed-out send is answered fenced):
   * nothing of the transaction is visible. Without proof of no successor the writer is fenced;
   * with it (the coordinator aborted the transaction when Kafka came back, KAFKA-20785) the
   * transaction is Aborted and a new producer carries on.
   */
  @Test
  void aFencedAbortIsFencedUnlessNoSuccessorIsProvenThenAbortedAndANewProducerCarriesOn() {
    AtomicBoolean successorRuledOut = new AtomicBoolean(false);
    AtomicInteger asked = new AtomicInteger();
    TransactionalWriter writer = writerWithSuccessorCheck(successorRuledOut, asked);
    producer.abortTransactionException = new ProducerFencedException("a newer producer, or the coordinator's timeout abort");
    assertThatThrownBy(() -> writer.write(transaction -> {
      throw new TimeoutException("no answer");
    })).isInstanceOf(TransactionalWriter.Fenced.class);
    assertThat(created).hasValue(1);

    successorRuledOut.set(true);
    writer.write(TransactionalWriterTest::sendOne); // proven now: a new producer
    assertThat(created).hasValue(2);
    producer.abortTransactionException = new ProducerFencedException("the coordinator's timeout abort");
    assertThatThrownBy(() -> writer.write(transaction -> {
      throw new TimeoutException("sendOffsetsToTransaction: no answer within max.block.ms");
    })).isInstanceOf(TransactionalWriter.Aborted.class);
    writer.write(TransactionalWriterTest::sendOne);
    assertThat(created).hasValue(3);
    assertThat(producer.history()).hasSize(1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
