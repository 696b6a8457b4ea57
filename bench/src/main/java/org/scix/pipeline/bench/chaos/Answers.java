package org.scix.pipeline.bench.chaos;

import io.grpc.Status;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scix.pipeline.bench.chaos.CallerLog.Feature;
import org.scix.pipeline.client.PipelineClientException;

/** How a failed submit call is filed: refused (nothing enqueued), or outcome unknown when the gateway names the job. */
final class Answers {
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern BATCH_ID = Pattern.compile("batch ([0-9a-f]{32})");

  private Answers() {}

  /** The batch id a "may have been accepted" answer names, or null. */
  static String batchId(PipelineClientException e) {
    Matcher id = BATCH_ID.matcher(String.valueOf(e.status().getDescription()));
    return id.find() ? id.group(1) : null;
  }

  /** Files the failure; returns the job id when the outcome is unknown, else null. */
  static String refusedOrInDoubt(CallerLog log, Feature feature, RuntimeException failure) {
    if (failure instanceof PipelineClientException e && e.status().getCode() == Status.Code.DEADLINE_EXCEEDED
        && e.status().getDescription() != null) {
      Matcher id = JOB_ID.matcher(e.status().getDescription());
      if (id.find()) {
        log.inDoubt(id.group());
        return id.group();
      }
    }
    log.refused(feature);
    return null;
  }
}
