package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Task controls on the control topic. A paused task: a record keyed {@code task/<NAME>/paused}
 * whose value says when and by whom ({@code <epoch ms> <who>}); resuming tombstones the key, so the
 * compacted topic holds exactly the tasks paused now. Workers start no job of a paused task: they
 * park its jobs on the parked topic ({@link ParkedJobs}) until it is resumed. A task's concurrency
 * limit: {@code task/<NAME>/concurrency}, valued {@code <limit> <epoch ms> <who>}; its tombstone
 * lifts the limit. Each worker then runs at most that many jobs of the task at once.
 */
public final class TaskControls {
  private static final String PREFIX = "task/";
  private static final String PAUSED_SUFFIX = "/paused";
  private static final String CONCURRENCY_SUFFIX = "/concurrency";
  private static final String JOB_PREFIX = "job/";
  private static final String CANCELLED_SUFFIX = "/cancelled";

  /** Who paused a task, and when (epoch ms). */
  public record Pause(long atMillis, String by) {}

  /** A task's concurrency limit per worker, who set it and when (epoch ms). */
  public record Limit(int concurrency, long atMillis, String by) {}

  private TaskControls() {}

  public static ProducerRecord<String, Object> paused(String controlTopic, String task, long atMillis, String by) {
    return new ProducerRecord<>(controlTopic, 0, PREFIX + task + PAUSED_SUFFIX,
        (atMillis + " " + who(by)).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A job cancelled while its task was paused, keyed {@code job/<id>/cancelled}: no worker starts
   * it (it may wait parked, or still be on its way to being parked); the worker that ends it
   * tombstones the key, so the topic holds only cancels still to be carried out.
   */
  public static ProducerRecord<String, Object> cancelledJob(String controlTopic, String jobId, long atMillis) {
    return new ProducerRecord<>(controlTopic, 0, JOB_PREFIX + jobId + CANCELLED_SUFFIX, Long.toString(atMillis).getBytes(StandardCharsets.UTF_8));
  }

  /** The tombstone of {@link #cancelledJob}: its cancel was carried out. */
  public static ProducerRecord<String, Object> cancelCarriedOut(String controlTopic, String jobId) {
    return new ProducerRecord<>(controlTopic, 0, JOB_PREFIX + jobId + CANCELLED_SUFFIX, null);
  }

  /** The job a control-topic key cancels, or null if the key is about something else. */
  public static String cancelledJobId(String key) {
    return key != null && key.startsWith(JOB_PREFIX) && key.endsWith(CANCELLED_SUFFIX)
        && key.length() > JOB_PREFIX.length() + CANCELLED_SUFFIX.length()
        ? key.substring(JOB_PREFIX.length(), key.length() - CANCELLED_SUFFIX.length())
        : null;
  }

  /** A concurrency limit of at least 1; {@code null} lifts the limit (a tombstone). */
  public static ProducerRecord<String, Object> limited(String controlTopic, String task, Integer concurrency, long atMillis, String by) {
    return new ProducerRecord<>(controlTopic, 0, PREFIX + task + CONCURRENCY_SUFFIX,
        concurrency == null ? null : (concurrency + " " + atMillis + " " + who(by)).getBytes(StandardCharsets.UTF_8));
  }

  /** The task a control-topic key sets the concurrency limit of, or null if the key is about something else. */
  public static String limitedTask(String key) {
    return taskOf(key, CONCURRENCY_SUFFIX);
  }

  /** Reads a limit record's value; null if it cannot (treated as no limit). */
  public static Limit limit(byte[] value) {
    String[] parts = new String(value, StandardCharsets.UTF_8).split(" ", 3);
    try {
      int concurrency = Integer.parseInt(parts[0]);
      return concurrency < 1 ? null : new Limit(concurrency, parts.length > 1 ? Long.parseLong(parts[1]) : 0,
          parts.length > 2 ? parts[2] : "unknown");
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String who(String by) {
    return by == null || by.isBlank() ? "unknown" : by.strip().replaceAll("\\s+", "_");
  }

  private static String taskOf(String key, String suffix) {
    return key != null && key.startsWith(PREFIX) && key.endsWith(suffix) && key.length() > PREFIX.length() + suffix.length()
        ? key.substring(PREFIX.length(), key.length() - suffix.length())
        : null;
  }

  public static ProducerRecord<String, Object> resumed(String controlTopic, String task) {
    return new ProducerRecord<>(controlTopic, 0, PREFIX + task + PAUSED_SUFFIX, null);
  }

  /** The task a control-topic key pauses (value) or resumes (tombstone), or null if the key is about something else. */
  public static String pausedTask(String key) {
    return taskOf(key, PAUSED_SUFFIX);
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
