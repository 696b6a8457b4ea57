package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.status.JobQuery;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.core.kafka.TopicReader.From;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List jobs, newest first, from a gateway's ListJobs (its ops port); --from-topic reads the "
    + "status topic instead, for when no gateway runs.")
final class JobsCommand implements Callable<Integer> {
  @Option(names = "--status", split = ",", description = "Only jobs in these statuses (Pending, Processing, Error, Success).")
  List<JobState> statuses = new ArrayList<>();

  @Option(names = "--task", description = "Only jobs of this task (SYMBOL1..SYMBOL3).")
  String task;

  @Option(names = "--since", description = "Only jobs submitted within this long before now (e.g. PT1H, P2D) or since this instant.")
  String since;

  @Option(names = "--until", description = "Only jobs submitted before this instant (ISO-8601).")
  Instant until;

  @Option(names = "--limit", defaultValue = "100", description = "At most this many jobs (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--from-topic", description = "Read the status topic (its latest state) instead of asking a gateway.")
  boolean fromTopic;

  @Mixin
  GatewayOps ops;

  @Override
  public Integer call() throws Exception {
    String given = Since.instant(since);
    Instant from = given == null ? null : Instant.parse(given);
    return fromTopic ? fromTopic(from) : fromGateway(from);
  }

  /** Pages through ListJobs until {@code limit} jobs are printed or the cursor ends. */
  private int fromGateway(Instant from) throws InterruptedException {
    int shown = 0;
    String cursor = null;
    JsonNode page;
    try {
      do {
        StringBuilder query = new StringBuilder("/jobs?limit=").append(Math.min(JobQuery.MAX_LIMIT, limit - shown));
        if (!statuses.isEmpty()) {
          query.append("&status=").append(String.join(",", statuses.stream().map(Enum::name).toList()));
        }
        append(query, "task", task);
        append(query, "from", from == null ? null : from.toString());
        append(query, "to", until == null ? null : until.toString());
        append(query, "cursor", cursor);
        page = ops.get(query.toString());
        for (JsonNode job : page.get("jobs")) {
          System.out.println(job);
          shown++;
        }
        cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText() : null;
      } while (cursor != null && shown < limit);
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
    JsonNode view = page.get("view");
    System.err.println(shown + " job(s) shown" + (cursor != null ? " (more: raise --limit)" : "") + "; held by the gateway: "
        + page.get("counts") + (view.path("caught_up").asBoolean() ? "" : " (WARNING: its view is still catching up with the status topic)"));
    return 0;
  }

  private static void append(StringBuilder query, String name, String value) {
    if (value != null) {
      query.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  /** The status topic's latest state folded here: every job in it, with how many terminal events each has. */
  private int fromTopic(Instant from) {
    KafkaTarget target = new KafkaTarget();
    ConfluentAvroDeserializer<JobStatus> deserializer = new PipelineSerdes(target.kafka).deserializer(JobStatus.class);
    Map<String, JobStatus> latest = new LinkedHashMap<>();
    Map<String, Integer> terminalEvents = new LinkedHashMap<>();
    String topic = target.topics.status();
    try (TopicReader reader = TopicReader.open(target.kafka, "scix-pipeline-cli")) {
      reader.read(reader.partitions(topic, KafkaTarget.REACH_TIMEOUT), From.BEGINNING, false,
          record -> fold(record, deserializer, latest, terminalEvents), () -> false);
    }
    ObjectMapper json = new ObjectMapper();
    int shown = 0;
    for (JobStatus job : latest.values()) {
      Instant submitted = job.getSubmittedTime() != null ? job.getSubmittedTime() : job.getTime();
      boolean matches = (statuses.isEmpty() || statuses.contains(job.getStatus())) && (task == null || task.equals(job.getTask()))
          && (from == null || !submitted.isBefore(from)) && (until == null || submitted.isBefore(until));
      if (!matches) {
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
    System.err.println(latest.size() + " job(s) on the status topic: " + counts + "; jobs with more than one terminal event: " + multiTerminal);
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
