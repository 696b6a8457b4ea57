package org.scix.pipeline.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Checks a run's whole history, as Jepsen's checkers do: what the topics hold against what callers
 * were answered. Counts jobs a caller saw Pending for that never ended (lost), jobs with more than
 * one terminal status (doubled), jobs whose last status is not terminal (stuck), a status that
 * moved backwards (backwards), and output records written more than once (duplicated outputs).
 * A job answered "outcome unknown" may be absent or end once; it is not counted lost.
 */
public final class HistoryCheck {
  private HistoryCheck() {}

  /** The counts, and a few job ids per kind of defect for the report. */
  public record Result(int jobs, int acked, int lost, int doubled, int stuck, int backwards, int duplicatedOutputs,
      Map<String, List<String>> examples) {
    public boolean clean() {
      return lost + doubled + stuck + backwards + duplicatedOutputs == 0;
    }

    public String summary() {
      return String.format("%d job(s) on the topics, %d acknowledged: %d lost, %d doubled, %d stuck, %d backwards, "
          + "%d duplicated output(s)%s", jobs, acked, lost, doubled, stuck, backwards, duplicatedOutputs,
          examples.isEmpty() ? "" : "; e.g. " + examples);
    }
  }

  /** Checks the given history: status events in topic order, output record ids, and the acknowledged job ids. */
  public static Result check(List<JobStatus> events, List<String> outputRecordIds, Set<String> acked) {
    Map<String, List<JobStatus>> byJob = new HashMap<>();
    events.forEach(e -> byJob.computeIfAbsent(e.getJobId(), id -> new ArrayList<>()).add(e));
    Map<String, List<String>> examples = new HashMap<>();
    int lost = 0;
    for (String id : acked) {
      List<JobStatus> history = byJob.getOrDefault(id, List.of());
      if (history.stream().noneMatch(e -> JobStates.isTerminal(e.getStatus()))) {
        lost++;
        example(examples, "lost", id);
      }
    }
    int doubled = 0;
    int stuck = 0;
    int backwards = 0;
    for (Map.Entry<String, List<JobStatus>> job : byJob.entrySet()) {
      List<JobStatus> history = job.getValue();
      if (history.stream().filter(e -> JobStates.isTerminal(e.getStatus())).count() > 1) {
        doubled++;
        example(examples, "doubled", job.getKey());
      }
      if (!JobStates.isTerminal(history.get(history.size() - 1).getStatus())) {
        stuck++;
        example(examples, "stuck", job.getKey());
      }
      int highest = -1;
      for (JobStatus event : history) {
        int rank = JobStates.rank(event.getStatus());
        if (rank < highest) {
          backwards++;
          example(examples, "backwards", job.getKey());
          break;
        }
        highest = Math.max(highest, rank);
      }
    }
    Map<String, Integer> outputs = new HashMap<>();
    outputRecordIds.forEach(id -> outputs.merge(id, 1, Integer::sum));
    int duplicated = 0;
    for (Map.Entry<String, Integer> output : outputs.entrySet()) {
      if (output.getValue() > 1) {
        duplicated++;
        example(examples, "duplicated output", output.getKey());
      }
    }
    return new Result(byJob.size(), acked.size(), lost, doubled, stuck, backwards, duplicated, examples);
  }

  /** Reads the status and output topics to their ends and checks them. */
  public static Result read(KafkaSettings kafka, TopicSettings topics, Set<String> acked) {
    PipelineSerdes serdes = new PipelineSerdes(kafka);
    ConfluentAvroDeserializer<JobStatus> statuses = serdes.deserializer(JobStatus.class);
    ConfluentAvroDeserializer<TemplateOutput> outputs = serdes.deserializer(TemplateOutput.class);
    List<JobStatus> events = new ArrayList<>();
    List<String> outputIds = new ArrayList<>();
    try (TopicReader reader = TopicReader.open(kafka, "history-check")) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.status())) {
        if (record.value() != null) {
          events.add(statuses.deserialize(record.topic(), record.value()));
        }
      }
    }
    try (TopicReader reader = TopicReader.open(kafka, "history-check")) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topics.output())) {
        outputIds.add(outputs.deserialize(record.topic(), record.value()).getRecordId());
      }
    }
    return check(events, outputIds, acked);
  }

  /** Checks until no job is lost or stuck any more (the pipeline caught up), or until {@code timeout}; returns the last result. */
  public static Result awaitSettled(Supplier<Result> check, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Result result = check.get();
    while ((result.lost() > 0 || result.stuck() > 0) && System.nanoTime() < deadline) {
      Thread.sleep(2000);
      result = check.get();
    }
    return result;
  }

  private static void example(Map<String, List<String>> examples, String kind, String id) {
    List<String> ids = examples.computeIfAbsent(kind, k -> new ArrayList<>());
    if (ids.size() < 3) {
      ids.add(id.length() > 16 ? id.substring(0, 16) : id);
    }
  }
}
