package org.scix.pipeline.core.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Where jobs of a paused task wait: the parked topic has a run of {@code partitionsPerTask}
 * partitions per task (in {@link taskenum} order), and a job goes to one of its task's, by job id.
 * Workers consume the parked topic like an input topic but keep a paused task's partitions paused,
 * so its jobs wait in Kafka (not in a worker's memory) and run once it is resumed. A cancel of a
 * parked job follows it there (the gateway names the job's task in the cancel's {@value #TASK} header).
 */
public final class ParkedJobs {
  /** On a cancel request: the task of the job it cancels, so a worker can forward it to where the job is parked. */
  public static final String TASK = "pipeline.task";

  private ParkedJobs() {}

  public static int partitionCount(int partitionsPerTask) {
    return taskenum.values().length * partitionsPerTask;
  }

  /** The parked-topic partition of job {@code jobId} of {@code task}. */
  public static int partition(taskenum task, String jobId, int partitionsPerTask) {
    return task.ordinal() * partitionsPerTask + Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitionsPerTask;
  }

  /** The task whose jobs wait on parked-topic partition {@code partition}; null if out of range. */
  public static String taskOf(int partition, int partitionsPerTask) {
    int index = partition / partitionsPerTask;
    return partition >= 0 && index < taskenum.values().length ? taskenum.values()[index].name() : null;
  }

  /** The task a cancel request names, or null. */
  public static String task(org.apache.kafka.common.header.Headers headers) {
    var header = headers.lastHeader(TASK);
    return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
  }
}
