package org.scix.pipeline.gateway.batches;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.OperationTimeoutException;

/**
 * The dateranges a caller listed for a batch, all of them, checked, before anything of the batch
 * is written: the caller's stream is read to its end here, at the caller's pace, and the batch's
 * transaction is opened only afterwards, so it stays open for as long as writing takes and never for as long as a caller
 * chooses (an open transaction holds every read_committed reader of the topics it touches).
 * Each listed daterange is kept as its two epoch days in one long, 8 bytes a job, so even the
 * largest batch {@code BATCH_MAX_JOBS} allows stays small in memory.
 */
public final class StagedDateranges {
  private static final long SINGLE_DAY = Integer.MIN_VALUE; // the end of a range given as one date

  private long[] listed = new long[16];
  private int size;

  private StagedDateranges() {}

  /**
   * Reads {@code source} to its end, checking every daterange.
   *
   * @param room how many dateranges the batch may list
   * @throws InvalidRequestException naming the first bad entry, or if there are more than {@code room}
   * @throws OperationTimeoutException if the caller took longer than the batch timeout to send them
   */
  static StagedDateranges stage(BatchSource source, long room, BatchSettings settings) throws InterruptedException {
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    StagedDateranges staged = new StagedDateranges();
    String daterange;
    while ((daterange = source.next()) != null) {
      BatchPlan.checkDaterange(daterange, staged.size);
      if (staged.size >= room) {
        throw new InvalidRequestException("dateranges: more than the " + settings.maxJobs() + " jobs a batch may have ("
            + BatchSettings.MAX_JOBS + "); nothing of it was submitted");
      }
      if (System.nanoTime() > deadline) {
        throw new OperationTimeoutException("the batch took longer than " + settings.timeout().toSeconds() + " s to send ("
            + BatchSettings.TIMEOUT + "); nothing of it was submitted");
      }
      staged.add(daterange);
    }
    return staged;
  }

  /** No dateranges listed (a batch of its split range alone). */
  static StagedDateranges none() {
    return new StagedDateranges();
  }

  /** How many dateranges the caller listed. */
  public int size() {
    return size;
  }

  /** Every job's daterange in the batch's order: those of {@code plan}'s split range, then those listed, as listed. */
  public Iterator<String> dateranges(BatchPlan plan) {
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
