package org.scix.pipeline.gateway.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.testing.GatedProducer;

class JobSubmitterTest {
  private static final TopicSettings TOPICS = TopicSettings.from(Settings.of(Map.of()));

  private final GatedProducer producer = new GatedProducer();
  private JobSubmitter submitter;

  @AfterEach
  void stop() {
    producer.release();
    submitter.close();
  }

  /**
   * Kafka is slow: job a is sent and its commit hangs past the deadline; job b waits behind it.
   * b is dropped at its deadline and never sent; a, already sent, hears its real outcome (committed)
   * rather than a "not accepted" that would make its caller submit it twice.
   */
  @Test
  void aSubmissionNotSentByItsDeadlineIsDroppedWhileASentOneHearsItsRealOutcome() throws Exception {
    start(Duration.ofMillis(300), 1024 * 1024);
    producer.holdCommits();
    CompletableFuture<Void> a = submitter.submit(JobIds.random(), job("a"), null, Priority.INTERACTIVE);
    await().atMost(Duration.ofSeconds(5)).until(producer::commitWaiting);
    CompletableFuture<Void> b = submitter.submit(JobIds.random(), job("b"), null, Priority.INTERACTIVE);

    assertThatThrownBy(() -> b.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SubmissionFailedException.class, e -> {
          assertThat(e.outcomeKnown()).isTrue();
          assertThat(e.getMessage()).contains("was not sent and will not be");
        });
    Thread.sleep(300); // a is past its own deadline too, but it was sent
    assertThat(a).isNotDone();

    producer.release();
    a.get(5, TimeUnit.SECONDS);
    Thread.sleep(200); // the submitter would have sent b next, had it not been dropped
    assertThat(producer.history()).hasSize(2); // a's job and Pending; nothing of b
  }

  /**
   * A lane took the job but its transaction cannot begin (its producer being replaced while Kafka
   * is away): the job is dropped at its deadline like a queued one, and never sent once the
   * transaction does begin.
   */
  @Test
  void aJobTakenByALaneWhoseTransactionCannotBeginIsDroppedAtItsDeadline() throws Exception {
    start(Duration.ofMillis(200), 1024 * 1024);
    producer.holdBegins();
    CompletableFuture<Void> a = submitter.submit(JobIds.random(), job("a"), null, Priority.INTERACTIVE);
    await().atMost(Duration.ofSeconds(5)).until(producer::beginWaiting);

    assertThatThrownBy(() -> a.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SubmissionFailedException.class, e -> {
          assertThat(e.outcomeKnown()).isTrue();
          assertThat(e.getMessage()).contains("was not sent and will not be");
        });
    producer.release();
    Thread.sleep(200);
    assertThat(producer.history()).isEmpty();
  }

  /** The safety net: a commit that never returns leaves no caller hanging; it hears "outcome unknown", never "not accepted". */
  @Test
  void aSentJobWhoseCommitNeverReturnsIsAnsweredOutcomeUnknownAfterFourDeadlines() throws Exception {
    start(Duration.ofMillis(200), 1024 * 1024);
    producer.holdCommits();
    long start = System.nanoTime();
    CompletableFuture<Void> a = submitter.submit(JobIds.random(), job("a"), null, Priority.INTERACTIVE);

    assertThatThrownBy(() -> a.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SubmissionFailedException.class, e -> assertThat(e.outcomeKnown()).isFalse());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
  }

  /**
   * A lane's commit answered "fenced" (a successor with this instance id, or the coordinator's
   * abort after a pause past the transaction timeout): the successor's init may have completed the
   * commit, so the caller is told to Monitor the job, not "Kafka did not take the job". The lane
   * never initialises its transactional id again (that would fence the successor): the replica
   * stops accepting jobs.
   */
  @Test
  void aFencedCommitIsAnsweredOutcomeUnknownAndTheReplicaStopsWithoutTakingTheIdAgain() throws Exception {
    AtomicInteger producers = new AtomicInteger();
    submitter = TestSubmitters.create(TOPICS, () -> {
      producers.incrementAndGet();
      return producer;
    });
    submitter.start();
    producer.commitTransactionException = new ProducerFencedException("a successor took the transactional id");
    String jobId = JobIds.random();
    CompletableFuture<Void> a = submitter.submit(jobId, job("a"), null, Priority.INTERACTIVE);
    assertThatThrownBy(() -> a.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SubmissionFailedException.class, e -> {
          assertThat(e.outcomeKnown()).isFalse();
          assertThat(e.jobId()).isEqualTo(jobId);
        });

    CompletableFuture<Void> b = submitter.submit(JobIds.random(), job("b"), null, Priority.INTERACTIVE);
    assertThatThrownBy(() -> b.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SubmissionFailedException.class, e -> assertThat(e.outcomeKnown()).isTrue());
    assertThat(submitter.fenced()).isDone();
    assertThat(producers).hasValue(1);
  }

  @Test
  void aRetryWhileTheFirstSubmissionIsOnItsWayJoinsItInsteadOfQueueingTheJobAgain() throws Exception {
    start(Duration.ofSeconds(5), 1024 * 1024);
    producer.holdCommits();
    String jobId = JobIds.random();
    CompletableFuture<Void> first = submitter.submit(JobIds.random(), job("ahead"), null, Priority.INTERACTIVE); // holds the commit
    await().atMost(Duration.ofSeconds(5)).until(producer::commitWaiting);
    CompletableFuture<Void> keyed = submitter.submitKeyed(jobId, job("keyed"), null, Priority.INTERACTIVE);
    CompletableFuture<Void> retry = submitter.submitKeyed(jobId, job("keyed"), null, Priority.INTERACTIVE);

    producer.release();
    CompletableFuture.allOf(first, keyed, retry).get(5, TimeUnit.SECONDS);
    assertThat(producer.history()).filteredOn(r -> r.key().equals(jobId)).hasSize(2); // one job record, one Pending
  }

  @Test
  void aJobThatCannotBeSerializedNowIsNotAcceptedAndNothingIsQueued() {
    submitter = TestSubmitters.create(TOPICS, () -> producer, Duration.ofSeconds(2), 1024 * 1024, (topic, value) -> {
      throw new SerializationException("schema registry unreachable");
    });
    submitter.start();
    assertThatThrownBy(() -> submitter.submit(JobIds.random(), job("any"), null, Priority.INTERACTIVE))
        .isInstanceOfSatisfying(SubmissionFailedException.class, e -> {
          assertThat(e.outcomeKnown()).isTrue();
          assertThat(e.getMessage()).contains("schema registry");
        });
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void anOversizeJobIsRefusedAloneBeforeItJoinsABatch() throws Exception {
    start(Duration.ofSeconds(2), 4096);
    assertThatThrownBy(() -> submitter.submit(JobIds.random(), job("x".repeat(10_000)), null, Priority.INTERACTIVE))
        .isInstanceOf(JobTooLargeException.class).hasMessageContaining("at most 4096 bytes");

    submitter.submit(JobIds.random(), job("small"), null, Priority.INTERACTIVE).get(5, TimeUnit.SECONDS);
    assertThat(producer.history()).hasSize(2);
  }

  /**
   * A cancel of a job whose task runs (is not paused) is also put on the control topic, which
   * every worker follows apart from its input: the in-band request alone reaches a queued job only
   * after the jobs ahead of it on its partition, so a worker would start the job first (an
   * acknowledged cancel that did not stop it).
   */
  @Test
  void aCancelGoesOutOfBandOnTheControlTopicInTheSameTransactionAsTheInBandRequest() throws Exception {
    start(Duration.ofSeconds(2), 1024 * 1024);
    String jobId = JobIds.random();
    JobStatus pending = JobStatuses.pending(jobId, taskenum.SYMBOL1.name(), "gateway-test", null, null);
    submitter.cancel(JobRecord.of(pending, 0), null).get(5, TimeUnit.SECONDS);

    assertThat(producer.history()).extracting(r -> r.topic(), r -> r.key()).containsExactlyInAnyOrder(
        tuple(TOPICS.control(), "job/" + jobId + "/cancelled"), tuple(TOPICS.input(), jobId));
    assertThat(producer.transactionCommitted()).isTrue();
  }

  /**
   * A cancel of a delayed job goes to its owner on the delayed topic and to the control topic: if
   * the owner hands the job on before it reads the request, no worker starts it.
   */
  @Test
  void aCancelOfADelayedJobIsAlsoPutOnTheControlTopic() throws Exception {
    start(Duration.ofSeconds(2), 1024 * 1024);
    String jobId = JobIds.random();
    JobStatus pending = JobStatuses.pending(jobId, taskenum.SYMBOL1.name(), "gateway-test", null, null,
        java.time.Instant.now().plusSeconds(600));
    submitter.cancel(JobRecord.of(pending, 0), null).get(5, TimeUnit.SECONDS);

    assertThat(producer.history()).extracting(r -> r.topic()).containsExactlyInAnyOrder(TOPICS.delayed(), TOPICS.control());
  }

  private void start(Duration sendDeadline, int maxRecordBytes) {
    submitter = TestSubmitters.create(TOPICS, () -> producer, sendDeadline, maxRecordBytes);
    submitter.start();
  }

  private static TemplateInput job(String ingestType) {
    return TemplateInput.newBuilder().setHash(null).setId(null).setTask(taskenum.SYMBOL1).setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(true).setIngestType(ingestType).setDaterange("2024-01-01")
            .setPersistence(null).build())
        .build();
  }
}
