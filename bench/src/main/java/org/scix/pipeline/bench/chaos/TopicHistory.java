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
 */
public record TopicHistory(Map<String, List<JobStatus>> statuses, List<String> outputIds, Set<String> inputJobIds, int deadLetters,
    Map<String, Set<String>> replayedAs, Map<String, Integer> inputCopies, Map<String, Integer> inputBatches,
    Map<String, String> outputKeys, Set<String> parkedJobIds) {

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
    int deadLetters = 0;
    try (TopicReader reader = TopicReader.open(kafka, "history-check")) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.status())) {
        statuses.computeIfAbsent(record.key(), k -> new ArrayList<>())
            .add(record.value() == null ? null : statusValues.deserialize(record.topic(), record.value()));
      }
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
    return new TopicHistory(statuses, outputIds, inputIds, deadLetters, replayedAs, inputCopies, inputBatches, outputKeys, parkedIds);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
