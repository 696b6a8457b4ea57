package org.scix.pipeline.bench.chaos;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.BatchRecords;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.gateway.deadletters.DeadLetters;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * What the topics hold after a run, read committed to their ends: each job's status events in
 * topic order (a null event is a retention tombstone), the output records' ids, the job ids on
 * the input topics, and the dead-letter topic's records and Replay markers.
 *
 * @param deadLetters dead-lettered records (not markers) on the dead-letter topic
 * @param replayedAs per dead letter ref, the job ids its "replayed" markers name
 * @param inputCopies per job id, how many job records (not cancel requests) the input topics (both priorities) hold
 * @param inputBatches per batch id, the job records of the batch on the input topics
 * @param outputKeys the key of each output record, by where it is ({@link #at}: partition and offset)
 * @param parkedJobIds the jobs parked while their task was paused (job records on the parked topic)
 * @param audit the audit topic's entries, oldest first
 * @param rawOnly status records a tail read during the run saw that the topic no longer holds (compacted away)
 */
public record TopicHistory(Map<String, List<JobStatus>> statuses, List<String> outputIds, Set<String> inputJobIds, int deadLetters,
    Map<String, Set<String>> replayedAs, Map<String, Integer> inputCopies, Map<String, Integer> inputBatches,
    Map<String, String> outputKeys, Set<String> parkedJobIds, List<AuditEntry> audit, int rawOnly) {

  /** One audit entry: what was done, on what (a bulk action's filter as sent), and the outcome it states. */
  public record AuditEntry(String action, String target, String detail) {}

  public TopicHistory(Map<String, List<JobStatus>> statuses, List<String> outputIds, Set<String> inputJobIds, int deadLetters,
      Map<String, Set<String>> replayedAs, Map<String, Integer> inputCopies, Map<String, Integer> inputBatches,
      Map<String, String> outputKeys, Set<String> parkedJobIds) {
    this(statuses, outputIds, inputJobIds, deadLetters, replayedAs, inputCopies, inputBatches, outputKeys, parkedJobIds, List.of(), 0);
  }

  /** How {@link #outputKeys} names a place on the output topic. */
  public static String at(int partition, long offset) {
    return partition + "@" + offset;
  }

  /** A history whose input topic holds each of {@code inputJobIds} once. */
  public TopicHistory(Map<String, List<JobStatus>> statuses, List<String> outputIds, Set<String> inputJobIds, int deadLetters,
      Map<String, Set<String>> replayedAs) {
    this(statuses, outputIds, inputJobIds, deadLetters, replayedAs, once(inputJobIds), Map.of(), Map.of(), Set.of());
  }

  private static Map<String, Integer> once(Set<String> ids) {
    Map<String, Integer> copies = new HashMap<>();
    ids.forEach(id -> copies.put(id, 1));
    return copies;
  }

  public static TopicHistory read(KafkaSettings kafka, TopicSettings topics) {
    return read(kafka, topics, null);
  }

  /**
   * Reads the topics; with {@code tail} (a reader that followed the status topic through the run),
   * the status history is every record either saw, by place, so compaction cannot hide an event.
   */
  public static TopicHistory read(KafkaSettings kafka, TopicSettings topics, StatusTail tail) {
    PipelineSerdes serdes = new PipelineSerdes(kafka);
    ConfluentAvroDeserializer<JobStatus> statusValues = serdes.deserializer(JobStatus.class);
    ConfluentAvroDeserializer<TemplateOutput> outputValues = serdes.deserializer(TemplateOutput.class);
    Map<String, List<JobStatus>> statuses = new HashMap<>();
    List<String> outputIds = new ArrayList<>();
    Set<String> inputIds = new HashSet<>();
    Map<String, Integer> inputCopies = new HashMap<>();
    Map<String, Integer> inputBatches = new HashMap<>();
    Map<String, String> outputKeys = new HashMap<>();
    Map<String, Set<String>> replayedAs = new HashMap<>();
    Set<String> parkedIds = new HashSet<>();
    List<AuditEntry> audit = new ArrayList<>();
    int deadLetters = 0;
    int rawOnly = 0;
    try (TopicReader reader = TopicReader.open(kafka, "history-check")) {
      List<ConsumerRecord<String, byte[]>> statusRecords = reader.readAll(topics.status());
      if (tail != null) {
        int now = statusRecords.size();
        statusRecords = tail.union(statusRecords, java.time.Duration.ofMinutes(1));
        rawOnly = statusRecords.size() - now;
      }
      for (ConsumerRecord<String, byte[]> record : statusRecords) {
        statuses.computeIfAbsent(record.key(), k -> new ArrayList<>())
            .add(record.value() == null ? null : statusValues.deserialize(record.topic(), record.value()));
      }
      readAudit(reader, topics.audit(), audit);
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.output())) {
        outputIds.add(outputValues.deserialize(record.topic(), record.value()).getRecordId());
        outputKeys.put(at(record.partition(), record.offset()), record.key());
      }
      for (String input : topics.inputs()) {
        for (ConsumerRecord<String, byte[]> record : reader.readAll(input)) {
          if (ControlRecords.instruction(record.headers()) == null && record.key() != null) {
            inputIds.add(record.key());
            inputCopies.merge(record.key(), 1, Integer::sum);
            String batchId = BatchRecords.batchId(record.headers());
            if (batchId != null) {
              inputBatches.merge(batchId, 1, Integer::sum);
            }
          }
        }
      }
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.parked())) {
        if (ControlRecords.instruction(record.headers()) == null && record.key() != null) {
          parkedIds.add(record.key());
        }
      }
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.deadLetter())) {
        String action = header(record, DeadLetters.ACTION);
        if (action == null) {
          deadLetters++;
        } else if (action.equals("replayed")) {
          replayedAs.computeIfAbsent(header(record, DeadLetters.REF), r -> new HashSet<>()).add(header(record, DeadLetters.REPLAYED_AS));
        }
      }
    }
    return new TopicHistory(statuses, outputIds, inputIds, deadLetters, replayedAs, inputCopies, inputBatches, outputKeys, parkedIds,
        audit, rawOnly);
  }

  private static void readAudit(TopicReader reader, String topic, List<AuditEntry> into) {
    if (TopicReader.partitionsOrEmpty(reader.consumer(), topic, java.time.Duration.ofSeconds(15)).isEmpty()) {
      return; // no operator action wrote one
    }
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Set<String> ids = new java.util.HashSet<>(); // an entry written again after an outcome-unknown commit that did commit: once
    for (ConsumerRecord<String, byte[]> record : reader.readAll(topic)) {
      try {
        com.fasterxml.jackson.databind.JsonNode entry = json.readTree(record.value());
        if (entry.hasNonNull("id") && !ids.add(entry.get("id").asText())) {
          continue;
        }
        into.add(new AuditEntry(entry.path("action").asText(null), entry.path("target").asText(null), entry.path("detail").asText(null)));
      } catch (java.io.IOException | RuntimeException e) {
        // not an entry: left out
      }
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
