package org.scix.pipeline.gateway.status;

import java.util.List;
import org.scix.pipeline.core.job.JobStatuses;
import org.scix.pipeline.schemas.status.JobState;

/** Test helper: status events applied to a view as if read from the status topic. */
public final class StatusViews {
  private StatusViews() {}

  /** Applies {@code state} for {@code jobId} (outside the topic: no offset); returns whether the job moved. */
  public static boolean apply(StatusView view, String jobId, JobState state) {
    JobState before = view.status(jobId).orElse(null);
    view.applyAll(List.of(new StatusView.Event(0, -1, jobId, JobStatuses.event(jobId, state, null, 1, "local", null, null))));
    return view.status(jobId).orElse(null) != before;
  }

  /** Applies a Processing of attempt 1 with progress {@code done} of {@code total}. */
  public static void progress(StatusView view, String jobId, long done, long total) {
    var event = JobStatuses.event(jobId, JobState.Processing, null, 1, "local", null, null);
    event.setProgressDone(done);
    event.setProgressTotal(total);
    event.setProgressMessage("step " + done);
    view.applyAll(List.of(new StatusView.Event(0, -1, jobId, event)));
  }
}
