package org.scix.pipeline.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A transactional {@link MockProducer} whose transactions a test can hold and break the way a slow
 * or failing coordinator would: hold every begin or commit until {@link #release()}, fail the next
 * commit with an {@link Error}, or refuse one record (its send fails, and so does the commit that
 * follows, until the transaction is aborted). Values pass through as the objects sent.
 */
public class GatedProducer extends MockProducer<String, Object> {
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile boolean holdBegins;
  private volatile boolean holdCommits;
  private volatile boolean beginWaiting;
  private volatile boolean commitWaiting;
  private volatile Error nextCommitError;
  private volatile Predicate<ProducerRecord<String, Object>> refused;
  private volatile RuntimeException refusal;

  public GatedProducer() {
    super(true, null, new StringSerializer(), (topic, value) -> (byte[]) value);
  }

  /** From now on, each commit waits until {@link #release()}, or until the returned gate is counted down. */
  public CountDownLatch holdCommits() {
    holdCommits = true;
    return closeGate();
  }

  /** From now on, each begin waits until {@link #release()}, or until the returned gate is counted down. */
  public CountDownLatch holdBegins() {
    holdBegins = true;
    return closeGate();
  }

  /** Lets every held begin and commit go on, and holds none from now on. */
  public void release() {
    holdBegins = false;
    holdCommits = false;
    gate.countDown();
  }

  /** Whether a commit is waiting at the gate now. */
  public boolean commitWaiting() {
    return commitWaiting;
  }

  /** Whether a begin is waiting at the gate now. */
  public boolean beginWaiting() {
    return beginWaiting;
  }

  /** The next commit (once past the gate) throws {@code error}, as a broken client library would. */
  public void failNextCommit(Error error) {
    nextCommitError = error;
  }

  /** The next record matching {@code which} is refused with {@code why}; its transaction's commit fails until it is aborted. */
  public void refuseNext(Predicate<ProducerRecord<String, Object>> which, RuntimeException why) {
    refusal = why;
    refused = which;
  }

  private synchronized CountDownLatch closeGate() {
    if (gate.getCount() == 0) {
      gate = new CountDownLatch(1);
    }
    return gate;
  }

  @Override
  public void beginTransaction() {
    if (holdBegins) {
      beginWaiting = true;
      awaitGate();
      beginWaiting = false;
    }
    super.beginTransaction();
  }

  @Override
  public void commitTransaction() {
    if (holdCommits) {
      commitWaiting = true;
      awaitGate();
      commitWaiting = false;
    }
    Error error = nextCommitError;
    if (error != null) {
      nextCommitError = null;
      throw error;
    }
    super.commitTransaction();
  }

  @Override
  public synchronized Future<RecordMetadata> send(ProducerRecord<String, Object> record, Callback callback) {
    Predicate<ProducerRecord<String, Object>> which = refused;
    if (which != null && which.test(record)) {
      refused = null;
      commitTransactionException = new KafkaException("transaction aborted after a failed send");
      callback.onCompletion(null, refusal);
      return CompletableFuture.failedFuture(refusal);
    }
    return super.send(record, callback);
  }

  @Override
  public void abortTransaction() {
    commitTransactionException = null;
    super.abortTransaction();
  }

  private void awaitGate() {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
