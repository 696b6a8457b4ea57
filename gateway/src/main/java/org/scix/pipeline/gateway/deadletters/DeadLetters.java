package org.scix.pipeline.gateway.deadletters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.errors.ConflictException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;

/**
 * The dead-letter topic as operators see it: each dead-lettered record with its {@code dlt.*}
 * reasons and decoded value, and what was done with it. The topic is append-only, so Replay and
 * Discard append a marker (null value, header {@value #ACTION}) keyed like the record; listing
 * folds the markers in.
 *
 * <p>Replay submits the record's job again as a <em>new</em> job ({@code replay_of} on its
 * Pending), in the same transaction as the "replayed" marker: the dead-lettered job keeps its one
 * terminal status, and the marker exists exactly when the new job does. The new job's id is
 * derived from the dead letter ({@link JobIds#forReplay}), so replays that race (a double click,
 * two replicas, a retry after a timeout) make one job: the worker runs one record of a job id once.
 */
public final class DeadLetters implements AutoCloseable {
  public static final String ACTION = "dlt.action";
  public static final String REF = "dlt.ref";
  public static final String REPLAYED_AS = "dlt.replayed.as";

  /** How long a request waits for the index to read up to the topic's end before it answers "try again". */
  static final Duration READ_BARRIER = Duration.ofSeconds(10);

  private final String topic;
  private final Deserializer<TemplateInput> jobs;
  private final JobSubmitter submitter;
  private final DeadLetterIndex index;

  /** One dead-lettered record; {@code ref} ("partition-offset") names it in Replay and Discard. */
  public record DeadLetter(String ref, String key, long timestamp, Map<String, String> reasons, String value, boolean replayable,
      String state, String replayedAs) {}

  /** @param readerId names this replica's reader of the topic (its client id) */
  public DeadLetters(KafkaSettings kafka, String deadLetterTopic, Deserializer<TemplateInput> jobs, JobSubmitter submitter,
      String readerId) {
    this.topic = deadLetterTopic;
    this.jobs = jobs;
    this.submitter = submitter;
    this.index = new DeadLetterIndex(kafka, deadLetterTopic, readerId).start();
  }

  /** The newest dead letters, newest first, at most {@code limit} (up to {@value DeadLetterIndex#NEWEST}). */
  public List<DeadLetter> list(int limit) throws TimeoutException, InterruptedException {
    index.awaitCaughtUp(READ_BARRIER);
    return index.newest(limit).stream().map(this::describe).toList();
  }

  /** Dead letters read from the topic so far (markers aside). */
  public long count() {
    return index.count();
  }

  /** The dead letter named {@code ref}, or null. */
  public DeadLetter get(String ref) throws TimeoutException, InterruptedException {
    index.awaitCaughtUp(READ_BARRIER);
    return index.letter(ref).map(this::describe).orElse(null);
  }

  /**
   * Submits the dead letter's job again as a new job; completes with the new job's id once Kafka
   * has it and the marker. Refuses what is not a job, or was already replayed or discarded.
   */
  public CompletableFuture<String> replay(String ref) throws TimeoutException, InterruptedException {
    ConsumerRecord<String, byte[]> record = require(ref);
    DeadLetter letter = describe(record);
    if (!letter.replayable()) {
      throw new ConflictException("dead letter " + ref + " is not a job this gateway can decode; it cannot be replayed");
    }
    TemplateInput original = decode(record);
    String newJobId = JobIds.forReplay(topic, ref, record.timestamp());
    TemplateInput job = TemplateInput.newBuilder(original).setHash(newJobId).setId(null).setStatus(statusenum.Pending).build();
    ProducerRecord<String, Object> marker = marker(letter, "replayed");
    marker.headers().add(REPLAYED_AS, newJobId.getBytes(StandardCharsets.UTF_8));
    return submitter.submitReplay(newJobId, job, letter.key(), marker).thenApply(ok -> newJobId);
  }

  /** Marks the dead letter as dealt with; it stays on the topic (Kafka's retention removes it). */
  public CompletableFuture<Void> discard(String ref) throws TimeoutException, InterruptedException {
    DeadLetter letter = describe(require(ref));
    return submitter.write(ref, "dead letter discarded", marker(letter, "discarded"));
  }

  /** The dead letter, still dead (neither replayed nor discarded), after the read barrier. */
  private ConsumerRecord<String, byte[]> require(String ref) throws TimeoutException, InterruptedException {
    index.awaitCaughtUp(READ_BARRIER);
    ConsumerRecord<String, byte[]> record = index.letter(ref)
        .orElseThrow(() -> new NotFoundException("no dead letter " + ref + " on " + topic));
    DeadLetterIndex.Outcome outcome = index.outcome(ref);
    if (outcome != null) {
      throw new ConflictException("dead letter " + ref + " was already " + outcome.state()
          + (outcome.replayedAs() != null ? " (as job " + outcome.replayedAs() + ")" : ""));
    }
    return record;
  }

  private DeadLetter describe(ConsumerRecord<String, byte[]> record) {
    String ref = record.partition() + "-" + record.offset();
    DeadLetterIndex.Outcome outcome = index.outcome(ref);
    return describe(ref, record, outcome == null ? "dead" : outcome.state(), outcome == null ? null : outcome.replayedAs());
  }

  /** The index behind every request (tests). */
  DeadLetterIndex index() {
    return index;
  }

  @Override
  public void close() {
    index.close();
  }

  private ProducerRecord<String, Object> marker(DeadLetter letter, String action) {
    ProducerRecord<String, Object> marker = new ProducerRecord<>(topic, letter.key(), null);
    marker.headers().add(ACTION, action.getBytes(StandardCharsets.UTF_8));
    marker.headers().add(REF, letter.ref().getBytes(StandardCharsets.UTF_8));
    return marker;
  }

  private DeadLetter describe(String ref, ConsumerRecord<String, byte[]> record, String state, String replayedAs) {
    Map<String, String> reasons = new LinkedHashMap<>();
    for (Header header : record.headers()) {
      if (header.key().startsWith("dlt.")) {
        reasons.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
      }
    }
    String value;
    boolean replayable;
    try {
      value = decode(record).toString();
      replayable = true;
    } catch (RuntimeException e) {
      value = record.value() == null ? null : "base64:" + Base64.getEncoder().encodeToString(record.value());
      replayable = false;
    }
    return new DeadLetter(ref, record.key(), record.timestamp(), reasons, value, replayable, state, replayedAs);
  }

  private TemplateInput decode(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      throw new IllegalArgumentException("no value");
    }
    return jobs.deserialize(record.topic(), record.value());
  }
}
