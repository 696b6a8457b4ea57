package org.scix.pipeline.gateway.status;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * The Pending events this replica is writing, kept until the status reader reads them back, so it
 * applies the very object that was serialized instead of decoding the bytes again (at full submit
 * rate, decoding our own Pendings cost about a fifth of the reader's time). A job id is unique to
 * one job (random, or its idempotency key and window), so the first event of that key the reader
 * meets after the submitter wrote it is this Pending. An entry whose transaction turned out not
 * committed is forgotten at once; one whose outcome stayed unknown ages out.
 */
public final class OwnPendings {
  private final Map<String, Entry> pending = new ConcurrentHashMap<>();
  private final long maxAgeNanos;

  private record Entry(JobStatus status, long sinceNanos) {}

  /** @param maxAge how long an entry not read back is kept (its transaction's outcome was unknown and it did not commit) */
  public OwnPendings(Duration maxAge) {
    this.maxAgeNanos = maxAge.toNanos();
  }

  /** The submitter is sending {@code status} (a job's Pending) in a transaction. */
  public void writing(String jobId, JobStatus status) {
    pending.put(jobId, new Entry(status, System.nanoTime()));
  }

  /** Those transactions did not commit: nothing of them will be read back. */
  public void notWritten(Collection<String> jobIds) {
    jobIds.forEach(pending::remove);
  }

  /** The Pending this replica wrote for {@code jobId}, taken (the reader meets it once), or null to decode the event. */
  JobStatus take(String jobId) {
    Entry entry = pending.remove(jobId);
    return entry == null ? null : entry.status();
  }

  /** Forgets entries older than the maximum age; the reader calls it now and then. */
  void expire() {
    long now = System.nanoTime();
    pending.values().removeIf(entry -> now - entry.sinceNanos() > maxAgeNanos);
  }

  int size() {
    return pending.size();
  }
}
