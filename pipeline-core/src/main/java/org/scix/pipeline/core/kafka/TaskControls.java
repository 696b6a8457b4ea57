package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A paused task on the control topic: a record keyed {@code task/<NAME>/paused} whose value says
 * when and by whom ({@code <epoch ms> <who>}); resuming tombstones the key, so the compacted topic
 * holds exactly the tasks paused now. Workers start no job of a paused task: they park its jobs on
 * the parked topic ({@link ParkedJobs}) until it is resumed.
 */
public final class TaskControls {
  private static final String PREFIX = "task/";
  private static final String PAUSED_SUFFIX = "/paused";

  /** Who paused a task, and when (epoch ms). */
  public record Pause(long atMillis, String by) {}

  private TaskControls() {}

  public static ProducerRecord<String, Object> paused(String controlTopic, String task, long atMillis, String by) {
    String who = by == null || by.isBlank() ? "unknown" : by.strip().replaceAll("\\s+", "_");
    return new ProducerRecord<>(controlTopic, 0, PREFIX + task + PAUSED_SUFFIX,
        (atMillis + " " + who).getBytes(StandardCharsets.UTF_8));
  }

  public static ProducerRecord<String, Object> resumed(String controlTopic, String task) {
    return new ProducerRecord<>(controlTopic, 0, PREFIX + task + PAUSED_SUFFIX, null);
  }

  /** The task a control-topic key pauses (value) or resumes (tombstone), or null if the key is about something else. */
  public static String pausedTask(String key) {
    return key != null && key.startsWith(PREFIX) && key.endsWith(PAUSED_SUFFIX) && key.length() > PREFIX.length() + PAUSED_SUFFIX.length()
        ? key.substring(PREFIX.length(), key.length() - PAUSED_SUFFIX.length())
        : null;
  }

  /** Reads a pause record's value; a value it cannot read still means paused. */
  public static Pause pause(byte[] value) {
    String text = new String(value, StandardCharsets.UTF_8);
    int space = text.indexOf(' ');
    try {
      return new Pause(Long.parseLong(space < 0 ? text : text.substring(0, space)), space < 0 ? "unknown" : text.substring(space + 1));
    } catch (NumberFormatException e) {
      return new Pause(0, "unknown");
    }
  }
}
