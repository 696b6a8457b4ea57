package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Utils;
import org.scix.pipeline.core.job.Priority;

/**
 * What delayed jobs carry in Kafka. A delayed job waits on the compacted delayed topic, keyed by
 * its id, until the gateway replica that owns its partition hands it to the workers; a cancel
 * request for it is a record keyed {@link #cancelKey} on the same partition. Both are placed by
 * {@link #partitionFor}, so the owner meets a cancel after the job it cancels. The job's record, on
 * the delayed topic and then on the input topic, carries {@value #DUE} and {@value #SUBMITTED}
 * (epoch milliseconds) so every status event of the job keeps both times.
 */
public final class DelayedRecords {
  public static final String DUE = "pipeline.due";
  public static final String SUBMITTED = "pipeline.submitted";
  /** On a delayed job's record: the priority it goes to the workers with (absent: interactive). */
  public static final String PRIORITY = "pipeline.priority";
  private static final String CANCEL_KEY_SUFFIX = "/cancel";

  private DelayedRecords() {}

  /** The delayed-topic partition of a job and of any cancel request for it. */
  public static int partitionFor(String jobId, int partitions) {
    return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** The key of a cancel request for a delayed job: not the job's own, so compaction keeps both. */
  public static String cancelKey(String jobId) {
    return jobId + CANCEL_KEY_SUFFIX;
  }

  /** The job a cancel key names, or null if {@code key} is a job's own key. */
  public static String cancelledJob(String key) {
    return key != null && key.endsWith(CANCEL_KEY_SUFFIX) ? key.substring(0, key.length() - CANCEL_KEY_SUFFIX.length()) : null;
  }

  public static void addTimes(Headers headers, Instant due, Instant submitted) {
    headers.add(DUE, Long.toString(due.toEpochMilli()).getBytes(StandardCharsets.US_ASCII));
    headers.add(SUBMITTED, Long.toString(submitted.toEpochMilli()).getBytes(StandardCharsets.US_ASCII));
  }

  public static void addPriority(Headers headers, Priority priority) {
    headers.add(PRIORITY, priority.wireName().getBytes(StandardCharsets.US_ASCII));
  }

  /** The priority a delayed job was submitted with. */
  public static Priority priority(Headers headers) {
    Header header = headers.lastHeader(PRIORITY);
    return Priority.ofEvent(header == null ? null : new String(header.value(), StandardCharsets.US_ASCII));
  }

  /** When the job is due, or 0 if it was not delayed. */
  public static long dueAt(Headers headers) {
    return millis(headers, DUE);
  }

  /** When the gateway accepted a delayed job, or 0 if the record does not say (the record's own timestamp then is). */
  public static long submittedAt(Headers headers) {
    return millis(headers, SUBMITTED);
  }

  private static long millis(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    if (header == null) {
      return 0;
    }
    try {
      return Long.parseLong(new String(header.value(), StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return 0; // not ours to fail a job over
    }
  }
}
