package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.kafka.TopicReader.From;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "jobs", description = "List jobs and their latest status, read from the status topic.")
final class JobsCommand implements Callable<Integer> {
  @Option(names = "--status", description = "Only jobs in this status (Pending, Processing, Error, Success).")
  JobState status;

  @Option(names = "--limit", defaultValue = "100")
  int limit;

  @Override
  public Integer call() {
    KafkaTarget target = new KafkaTarget();
    ConfluentAvroDeserializer<JobStatus> statuses = new PipelineSerdes(target.kafka).deserializer(JobStatus.class);
    Map<String, JobStatus> latest = new LinkedHashMap<>();
    Map<String, Integer> terminalEvents = new LinkedHashMap<>();
    String topic = target.topics.status();
    try (TopicReader reader = TopicReader.open(target.kafka, "scix-pipeline-cli")) {
      reader.read(reader.partitions(topic, Duration.ofSeconds(15)), From.BEGINNING, false, record -> fold(record, statuses, latest, terminalEvents), () -> false);
    }
    ObjectMapper json = new ObjectMapper();
    int shown = 0;
    for (JobStatus job : latest.values()) {
      if (status != null && job.getStatus() != status) {
        continue;
      }
      if (shown++ >= limit) {
        break;
      }
      ObjectNode line = json.createObjectNode()
          .put("job_id", job.getJobId()).put("status", job.getStatus().name()).put("task", job.getTask())
          .put("attempt", job.getAttempt()).put("time", job.getTime().toString()).put("worker", job.getWorker())
          .put("error_reason", job.getErrorReason())
          .put("terminal_events", terminalEvents.getOrDefault(job.getJobId(), 0));
      System.out.println(line);
    }
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    latest.values().forEach(j -> counts.merge(j.getStatus(), 1, Integer::sum));
    long multiTerminal = terminalEvents.values().stream().filter(n -> n > 1).count();
    System.err.println(latest.size() + " job(s): " + counts + "; jobs with more than one terminal event: " + multiTerminal);
    return 0;
  }

  /** Applies one status event with the shared status fold, counting terminal events per job. */
  private static void fold(ConsumerRecord<String, byte[]> record, ConfluentAvroDeserializer<JobStatus> statuses,
      Map<String, JobStatus> latest, Map<String, Integer> terminalEvents) {
    if (record.value() == null) {
      latest.remove(record.key());
      return;
    }
    try {
      JobStatus event = statuses.deserialize(record.topic(), record.value());
      if (JobStates.isTerminal(event.getStatus())) {
        terminalEvents.merge(event.getJobId(), 1, Integer::sum);
      }
      latest.put(event.getJobId(), JobStates.fold(latest.get(event.getJobId()), event, JobStatus::getStatus));
    } catch (RuntimeException e) {
      System.err.println("skipping undecodable status event at offset " + record.offset() + ": " + e.getMessage());
    }
  }
}
