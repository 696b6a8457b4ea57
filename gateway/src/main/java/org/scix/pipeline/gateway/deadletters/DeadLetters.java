package org.scix.pipeline.gateway.deadletters;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.TopicReader;
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

  /** The most dead letters one bulk replay submits; a caller with more calls again (those done are skipped). */
  public static final int BULK_MAX = 10_000;

  private final KafkaSettings kafka;
  private final String readerId;
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
    this.kafka = kafka;
    this.readerId = readerId;
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
    return replay(require(ref));
  }

  /** Which dead letters a bulk replay takes: of {@code task} (null: any), whose reason contains {@code reason} (null: any), dead-lettered in {@code [from, to)} (epoch ms). */
  public record Filter(String task, String reason, long from, long to) {
    boolean matches(ConsumerRecord<String, byte[]> record, String recordTask) {
      Header why = record.headers().lastHeader("dlt.reason");
      String recordReason = why == null ? "" : new String(why.value(), StandardCharsets.UTF_8);
      return (task == null || task.equals(recordTask)) && (reason == null || recordReason.contains(reason))
          && record.timestamp() >= from && record.timestamp() < to;
    }
  }

  /**
   * What a bulk replay did: dead letters matching the filter; replayed now (as {@code jobIds}, in
   * order); already replayed or discarded before (skipped: a repeated call makes no second job);
   * not decodable as a job; and matching ones left for a next call past {@value #BULK_MAX}.
   */
  public record BulkReplay(int matched, int replayed, int alreadyHandled, int notReplayable, int leftForNextCall, List<String> jobIds) {}

  /**
   * Replays every dead letter matching {@code filter} that is still dead, each as a new job (the
   * same as {@link #replay} one by one: a job id derived from the dead letter, and its marker in the
   * same transaction), at most {@value #BULK_MAX} per call. Reads the dead-letter topic to its end
   * once, after the read barrier, so markers of an earlier call are seen and those letters skipped.
   */
  public BulkReplay replayMatching(Filter filter) throws Exception {
    index.awaitCaughtUp(READ_BARRIER);
    List<ConsumerRecord<String, byte[]>> letters;
    try (TopicReader reader = TopicReader.open(kafka, readerId + "-bulk")) {
      letters = reader.readAll(topic);
    }
    int matched = 0;
    int alreadyHandled = 0;
    int notReplayable = 0;
    int left = 0;
    List<CompletableFuture<String>> replays = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : letters) {
      if (record.headers().lastHeader(ACTION) != null) {
        continue; // a marker
      }
      TemplateInput job;
      try {
        job = decode(record);
      } catch (RuntimeException e) {
        job = null;
      }
      if (!filter.matches(record, job == null ? null : job.getTask().name())) {
        continue;
      }
      matched++;
      if (index.outcome(record.partition() + "-" + record.offset()) != null) {
        alreadyHandled++;
      } else if (job == null) {
        notReplayable++;
      } else if (replays.size() >= BULK_MAX) {
        left++;
      } else {
        replays.add(replay(record));
      }
    }
    List<String> ids = new ArrayList<>();
    for (CompletableFuture<String> replay : replays) {
      ids.add(replay.get(60, TimeUnit.SECONDS));
    }
    return new BulkReplay(matched, ids.size(), alreadyHandled, notReplayable, left, ids);
  }

  private CompletableFuture<String> replay(ConsumerRecord<String, byte[]> record) {
    DeadLetter letter = describe(record);
    if (!letter.replayable()) {
      throw new ConflictException("dead letter " + letter.ref() + " is not a job this gateway can decode; it cannot be replayed");
    }
    TemplateInput original = decode(record);
    String newJobId = JobIds.forReplay(topic, letter.ref(), record.timestamp());
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
