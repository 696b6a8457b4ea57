package org.scix.pipeline.gateway.deadletters;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.kafka.TopicReader;
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
public final class DeadLetters {
  public static final String ACTION = "dlt.action";
  public static final String REF = "dlt.ref";
  public static final String REPLAYED_AS = "dlt.replayed.as";

  private final KafkaSettings kafka;
  private final String topic;
  private final Deserializer<TemplateInput> jobs;
  private final JobSubmitter submitter;

  /** One dead-lettered record; {@code ref} ("partition-offset") names it in Replay and Discard. */
  public record DeadLetter(String ref, String key, long timestamp, Map<String, String> reasons, String value, boolean replayable,
      String state, String replayedAs) {}

  public DeadLetters(KafkaSettings kafka, String deadLetterTopic, Deserializer<TemplateInput> jobs, JobSubmitter submitter) {
    this.kafka = kafka;
    this.topic = deadLetterTopic;
    this.jobs = jobs;
    this.submitter = submitter;
  }

  /** Every dead letter now on the topic, newest first, at most {@code limit}. */
  public List<DeadLetter> list(int limit) {
    Fold fold = read();
    List<DeadLetter> list = new ArrayList<>();
    List<String> refs = new ArrayList<>(fold.letters().keySet());
    for (int i = refs.size() - 1; i >= 0 && list.size() < limit; i--) {
      list.add(fold.describe(refs.get(i)));
    }
    return list;
  }

  /** The dead letter named {@code ref}, or null. */
  public DeadLetter get(String ref) {
    Fold fold = read();
    return fold.letters().containsKey(ref) ? fold.describe(ref) : null;
  }

  /**
   * Submits the dead letter's job again as a new job; completes with the new job's id once Kafka
   * has it and the marker. Refuses what is not a job, or was already replayed or discarded.
   */
  public CompletableFuture<String> replay(String ref) {
    Fold fold = read();
    DeadLetter letter = require(fold, ref);
    if (!letter.replayable()) {
      throw new IllegalArgumentException("dead letter " + ref + " is not a job this gateway can decode; it cannot be replayed");
    }
    TemplateInput original = decode(fold.letters().get(ref));
    String newJobId = JobIds.forReplay(topic, ref, fold.letters().get(ref).timestamp());
    TemplateInput job = TemplateInput.newBuilder(original).setHash(newJobId).setId(null).setStatus(statusenum.Pending).build();
    ProducerRecord<String, Object> marker = marker(letter, "replayed");
    marker.headers().add(REPLAYED_AS, newJobId.getBytes(StandardCharsets.UTF_8));
    return submitter.submitReplay(newJobId, job, letter.key(), marker).thenApply(ok -> newJobId);
  }

  /** Marks the dead letter as dealt with; it stays on the topic (Kafka's retention removes it). */
  public CompletableFuture<Void> discard(String ref) {
    DeadLetter letter = require(read(), ref);
    return submitter.write(ref, "dead letter discarded", marker(letter, "discarded"));
  }

  /** The topic read once: the dead letters by ref, in offset order per partition, and what was done with each. */
  private record Fold(Map<String, ConsumerRecord<String, byte[]>> letters, Map<String, String[]> outcomes, DeadLetters owner) {
    DeadLetter describe(String ref) {
      String[] outcome = outcomes.getOrDefault(ref, new String[] {"dead", null}); // {state, replayed as}
      return owner.describe(ref, letters.get(ref), outcome[0], outcome[1]);
    }
  }

  private Fold read() {
    List<ConsumerRecord<String, byte[]>> records;
    try (TopicReader reader = TopicReader.open(kafka, "scix-gateway-dead-letters")) {
      records = reader.readAll(topic);
    }
    Map<String, ConsumerRecord<String, byte[]>> letters = new LinkedHashMap<>();
    Map<String, String[]> outcomes = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      String action = header(record, ACTION);
      if (action == null) {
        letters.put(record.partition() + "-" + record.offset(), record);
      } else {
        outcomes.put(header(record, REF), new String[] {action, header(record, REPLAYED_AS)});
      }
    }
    return new Fold(letters, outcomes, this);
  }

  private DeadLetter require(Fold fold, String ref) {
    if (!fold.letters().containsKey(ref)) {
      throw new NotFoundException("no dead letter " + ref + " on " + topic);
    }
    DeadLetter letter = fold.describe(ref);
    if (!letter.state().equals("dead")) {
      throw new IllegalStateException("dead letter " + ref + " was already " + letter.state()
          + (letter.replayedAs() != null ? " (as job " + letter.replayedAs() + ")" : ""));
    }
    return letter;
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

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** No such dead letter. */
  public static final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
      super(message);
    }
  }
}
