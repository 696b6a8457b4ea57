package org.scix.pipeline.gateway.submit;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.TaskControls;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tombstones the control topic's cancels whose job has ended but whose end did not carry them out:
 * the job ended just before its cancel was written, so no worker will end it again. The worker
 * that ends a cancelled job tombstones its cancel itself; this catches the rest, so the compacted
 * topic, which every worker reads whole at start, keeps only cancels still to carry out. Safe on
 * every replica at once (a tombstone written twice is one tombstone), and only for cancels older
 * than {@code minAge}, which gives the worker's own tombstone time to win.
 */
public final class CancelSweep implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CancelSweep.class);
  private final Supplier<Map<String, Long>> cancels;
  private final Function<String, Optional<JobState>> status;
  private final JobSubmitter submitter;
  private final String controlTopic;
  private final Clock clock;
  private final Duration minAge;

  /**
   * @param cancels the control topic's cancels not carried out, with when each was written (epoch ms)
   * @param status a job's status in this replica's view of the status topic
   */
  public CancelSweep(Supplier<Map<String, Long>> cancels, Function<String, Optional<JobState>> status, JobSubmitter submitter,
      String controlTopic, Clock clock, Duration minAge) {
    this.cancels = cancels;
    this.status = status;
    this.submitter = submitter;
    this.controlTopic = controlTopic;
    this.clock = clock;
    this.minAge = minAge;
  }

  @Override
  public void run() {
    try {
      long now = clock.millis();
      int swept = 0;
      for (Map.Entry<String, Long> cancel : cancels.get().entrySet()) {
        String jobId = cancel.getKey();
        if (now - cancel.getValue() >= minAge.toMillis() && status.apply(jobId).filter(JobStates::isTerminal).isPresent()) {
          submitter.write(jobId, "cancel of an ended job tombstoned", TaskControls.cancelCarriedOut(controlTopic, jobId));
          swept++;
        }
      }
      if (swept > 0) {
        log.info("{} cancel(s) of jobs that had already ended tombstoned on the control topic", swept);
      }
    } catch (RuntimeException e) { // a scheduled task that throws is never run again
      log.warn("sweeping the control topic's carried-out cancels: {}; retrying at the next sweep", e.toString());
    }
  }
}
