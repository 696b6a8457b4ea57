package org.scix.pipeline.gateway.status;

import java.util.Arrays;
import java.util.List;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * Where a succeeded job's outputs are on the output topic, as its terminal status says: the
 * partition (all are keyed by the job id), how many, the first and last offset, and each offset
 * when there are at most 1,000 (else they are the records keyed by the job between first and last).
 *
 * @param offsets each output's offset in emitted order, or null when there are too many to list
 */
public record OutputLocation(int partition, int count, long firstOffset, long lastOffset, long[] offsets) {
  /** What a terminal event says, or null if it names no outputs (an older worker's event, an Error). */
  static OutputLocation of(JobStatus event) {
    if (event.getOutputCount() == null) {
      return null;
    }
    if (event.getOutputCount() == 0 || event.getOutputPartition() == null) {
      return new OutputLocation(-1, 0, -1, -1, new long[0]);
    }
    List<Long> listed = event.getOutputOffsets();
    return new OutputLocation(event.getOutputPartition(), event.getOutputCount(), event.getOutputFirstOffset(),
        event.getOutputLastOffset(), listed == null ? null : listed.stream().mapToLong(Long::longValue).toArray());
  }

  /** Sets these fields on {@code event} (restating an end). */
  void writeTo(JobStatus event) {
    event.setOutputCount(count);
    if (count > 0) {
      event.setOutputPartition(partition);
      event.setOutputFirstOffset(firstOffset);
      event.setOutputLastOffset(lastOffset);
      event.setOutputOffsets(offsets == null ? null : Arrays.stream(offsets).boxed().toList());
    }
  }
}
