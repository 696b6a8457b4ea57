package org.scix.pipeline.gateway.lookup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.OutputLocation;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.schemas.output.TemplateOutput;
import org.scix.pipeline.schemas.status.JobState;

/**
 * A job's outputs by its id, for every surface (gRPC {@code jobOutputs}, {@code GET /jobs/<id>/outputs},
 * the dashboard, {@code ./pipeline job <ID> --outputs}): the job's terminal status says where they
 * are ({@link OutputLocation}), so they are read there, after a read barrier (any replica answers).
 */
public final class OutputsByJob implements AutoCloseable {
  private final StatusView view;
  private final StatusViewSync sync;
  private final Duration syncTimeout;
  private final LocatedOutputs outputs;
  private final Deserializer<TemplateOutput> values;

  public OutputsByJob(StatusView view, StatusViewSync sync, Duration syncTimeout, LocatedOutputs outputs, Deserializer<TemplateOutput> values) {
    this.view = view;
    this.sync = sync;
    this.syncTimeout = syncTimeout;
    this.outputs = outputs;
    this.values = values;
  }

  /**
   * What a caller is told: the outputs found (in emitted order, with their offsets), and why any
   * are missing (null when all are there).
   */
  public record Answer(String jobId, JobState state, String topic, Integer partition, List<Long> offsets, List<TemplateOutput> outputs,
      String missing) {}

  /**
   * @throws InvalidRequestException for a malformed job id
   * @throws NotFoundException for a job no replica knows (never submitted, or forgotten by retention)
   */
  public Answer find(String jobId) {
    if (!JobIds.isValid(jobId)) {
      throw new InvalidRequestException("job_id: 64 lowercase hex characters, got '" + (jobId == null ? "null"
          : jobId.length() > 70 ? jobId.substring(0, 70) + "..." : jobId) + "'");
    }
    sync.awaitSynced(syncTimeout);
    JobRecord job = view.job(jobId).orElseThrow(() -> new NotFoundException("job " + jobId
        + " is not known: never submitted, or forgotten JOB_RETENTION_MS after it ended (its outputs may still be on the topic)"));
    if (job.state() != JobState.Success) {
      return new Answer(jobId, job.state(), null, null, List.of(), List.of(), job.isTerminal()
          ? "the job ended " + job.state() + "; only a job that succeeded has outputs"
          : "the job has not ended (" + job.state() + "); its outputs are written when it succeeds");
    }
    OutputLocation where = job.outputs();
    if (where == null) {
      return new Answer(jobId, job.state(), outputs.topic(), null, List.of(), List.of(),
          "its Success does not say where its outputs are (written by a worker older than this feature); "
              + "the dashboard's job page still finds them by time");
    }
    LocatedOutputs.Found found = outputs.read(jobId, where);
    List<Long> offsets = new ArrayList<>();
    List<TemplateOutput> decoded = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : found.records()) {
      offsets.add(record.offset());
      decoded.add(values.deserialize(record.topic(), record.value()));
    }
    String missing = found.gone() == 0 ? null : found.gone() + " of its " + where.count() + " output(s) are no longer on "
        + outputs.topic() + (found.beforeLogStart() ? " (removed by the topic's retention)" : " (removed by retention or compaction)");
    return new Answer(jobId, job.state(), outputs.topic(), where.count() > 0 ? where.partition() : null, offsets, decoded, missing);
  }

  @Override
  public void close() {
    outputs.close();
  }
}
