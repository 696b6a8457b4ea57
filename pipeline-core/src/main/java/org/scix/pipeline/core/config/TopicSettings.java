package org.scix.pipeline.core.config;

import java.time.Duration;
import java.util.List;
import org.scix.pipeline.core.job.Priority;

/**
 * The pipeline's topics. Names and partition count are configurable; defaults match the original.
 *
 * @param statusSegment how long a status-topic segment stays open: compaction (which drops
 *     forgotten jobs' events, see JOB_RETENTION) never touches the open segment
 * @param delayed where delayed jobs wait until they are due (compacted, keyed by job id)
 * @param schedules the schedules and when each last ticked (compacted, keyed by schedule name)
 * @param bulkInput the input topic of bulk jobs ({@link Priority#BULK}); {@code input} takes interactive ones
 * @param control what workers must know before they start a job, such as cancelled batches and paused tasks (compacted, one partition)
 * @param parked where jobs of paused tasks wait (see ParkedJobs), read by workers like an input topic of bulk priority
 * @param audit what operators did (the gateway's audit log; one partition)
 */
public record TopicSettings(String input, String status, String output, String deadLetter, int partitions,
    short replicationFactor, Duration statusSegment, String delayed, String schedules, String bulkInput,
    String control, String parked, String audit) {
  public static final String INPUT = "INPUT_TOPIC";
  public static final String STATUS = "STATUS_TOPIC";
  public static final String OUTPUT = "OUTPUT_TOPIC";
  public static final String DEAD_LETTER = "DEAD_LETTER_TOPIC";
  public static final String DELAYED = "DELAYED_TOPIC";
  public static final String SCHEDULES = "SCHEDULES_TOPIC";
  public static final String BULK_INPUT = "BULK_INPUT_TOPIC";
  public static final String CONTROL = "CONTROL_TOPIC";
  public static final String PARKED = "PARKED_TOPIC";
  public static final String AUDIT = "AUDIT_TOPIC";
  public static final String PARTITIONS = "TOPIC_PARTITIONS";
  public static final String REPLICATION_FACTOR = "TOPIC_REPLICATION_FACTOR";
  public static final String STATUS_SEGMENT = "STATUS_TOPIC_SEGMENT_MS";

  public static TopicSettings from(Settings settings) {
    String input = topicName(settings, INPUT, "TEMPLATEInput");
    return new TopicSettings(input,
        topicName(settings, STATUS, "TEMPLATEStatus"),
        topicName(settings, OUTPUT, "TEMPLATEOutput"),
        topicName(settings, DEAD_LETTER, input + ".DLT"),
        settings.integer(PARTITIONS, 8, 1, 10_000),
        (short) settings.integer(REPLICATION_FACTOR, 1, 1, 32),
        settings.duration(STATUS_SEGMENT, Duration.ofHours(1), Duration.ofSeconds(1)),
        topicName(settings, DELAYED, input + ".delayed"),
        topicName(settings, SCHEDULES, input + ".schedules"),
        topicName(settings, BULK_INPUT, input + ".bulk"),
        topicName(settings, CONTROL, input + ".control"),
        topicName(settings, PARKED, input + ".parked"),
        topicName(settings, AUDIT, input + ".audit"));
  }

  /** The input topic of jobs of {@code priority}. */
  public String input(Priority priority) {
    return priority == Priority.BULK ? bulkInput : input;
  }

  /** Both input topics, interactive first: what workers consume. */
  public List<String> inputs() {
    return List.of(input, bulkInput);
  }

  /** What workers consume: both input topics, then the parked one. */
  public List<String> consumed() {
    return List.of(input, bulkInput, parked);
  }

  /** The priority of jobs read from {@code topic}, one of {@link #consumed}: resumed (parked) jobs run as bulk ones. */
  public Priority priorityOf(String topic) {
    return bulkInput.equals(topic) || parked.equals(topic) ? Priority.BULK : Priority.INTERACTIVE;
  }

  private static String topicName(Settings settings, String key, String defaultValue) {
    String name = settings.string(key, defaultValue);
    if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new ConfigException(key, "not a legal Kafka topic name: '" + name + "'");
    }
    return name;
  }
}
