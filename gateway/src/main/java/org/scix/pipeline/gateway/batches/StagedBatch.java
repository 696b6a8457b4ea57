package org.scix.pipeline.gateway.batches;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;

/**
 * A whole batch as its caller sent it, checked, before anything of it is written: the caller's
 * stream is read to its end here, at the caller's pace, and the batch's transaction is opened only
 * afterwards, so it stays open for as long as writing takes and never for as long as a caller
 * chooses (an open transaction holds every read_committed reader of the topics it touches).
 * Each listed daterange is kept as its two epoch days in one long, 8 bytes a job, so even the
 * largest batch {@code BATCH_MAX_JOBS} allows stays small in memory.
 */
public final class StagedBatch {
  private static final long SINGLE_DAY = Integer.MIN_VALUE; // the end of a range given as one date

  private final BatchPlan plan;
  private long[] listed;
  private int size;

  private StagedBatch(BatchPlan plan) {
    this.plan = plan;
    this.listed = new long[16];
  }

  /**
   * Reads {@code source} to its end and checks every daterange and the batch's size.
   *
   * @param maxJobs the most jobs the batch may have, its split range's included
   * @param timeout how long the caller may take to send it all
   * @throws InvalidRequestException naming the first bad entry, or if the batch is empty or too large
   * @throws OperationTimeoutException if the caller took longer than {@code timeout}
   */
  public static StagedBatch stage(BatchPlan plan, BatchSource source, BatchSettings settings) throws InterruptedException {
    if (plan.splitJobs() > settings.maxJobs()) {
      throw new InvalidRequestException("split: makes " + plan.splitJobs() + " jobs, more than the " + settings.maxJobs()
          + " a batch may have (" + BatchSettings.MAX_JOBS + ")");
    }
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    StagedBatch batch = new StagedBatch(plan);
    String daterange;
    while ((daterange = source.next()) != null) {
      long index = batch.jobs();
      BatchPlan.checkDaterange(daterange, index);
      if (index >= settings.maxJobs()) {
        throw new InvalidRequestException("dateranges: more than the " + settings.maxJobs() + " jobs a batch may have ("
            + BatchSettings.MAX_JOBS + "); nothing of it was submitted");
      }
      if (System.nanoTime() > deadline) {
        throw new OperationTimeoutException("the batch took longer than " + settings.timeout().toSeconds() + " s to send ("
            + BatchSettings.TIMEOUT + "); nothing of it was submitted");
      }
      batch.add(daterange);
    }
    if (batch.jobs() == 0) {
      throw new InvalidRequestException("a batch needs jobs: give split or dateranges");
    }
    return batch;
  }

  public BatchPlan plan() {
    return plan;
  }

  /** How many jobs the batch has: its split range's, then those listed. */
  public long jobs() {
    return plan.splitJobs() + size;
  }

  /** Every job's daterange in the batch's order: the split range's, then those listed, as listed. */
  public Iterator<String> dateranges() {
    Iterator<String> split = plan.splitDateranges();
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return split.hasNext() || next < size;
      }

      @Override
      public String next() {
        if (split.hasNext()) {
          return split.next();
        }
        if (next >= size) {
          throw new NoSuchElementException();
        }
        return daterange(listed[next++]);
      }
    };
  }

  /** Adds a daterange {@link BatchPlan#checkDaterange} accepted. */
  private void add(String daterange) {
    String[] parts = daterange.split(":");
    long from = LocalDate.parse(parts[0]).toEpochDay();
    long to = parts.length == 2 ? LocalDate.parse(parts[1]).toEpochDay() : SINGLE_DAY;
    if (size == listed.length) {
      listed = Arrays.copyOf(listed, size * 2);
    }
    listed[size++] = (from << 32) | (to & 0xffffffffL);
  }

  private static String daterange(long packed) {
    String from = LocalDate.ofEpochDay(packed >> 32).toString();
    int to = (int) packed;
    return to == SINGLE_DAY ? from : from + ":" + LocalDate.ofEpochDay(to);
  }
}
