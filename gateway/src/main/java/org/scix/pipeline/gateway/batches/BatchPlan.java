package org.scix.pipeline.gateway.batches;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.errors.ClientInput;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * What every job of a batch runs (from the call's first message), and the date range it may be
 * split by. Validated when made: every error names its field.
 *
 * @param split a date range cut into jobs of {@code daysPerJob} days, or null
 */
public record BatchPlan(taskenum task, Boolean ingest, String ingestType, Priority priority, SplitRange split) {
  public static final int MAX_DAYS_PER_JOB = 3660;
  private static final Pattern DATERANGE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(:\\d{4}-\\d{2}-\\d{2})?");

  /** @throws InvalidRequestException naming the field that is wrong */
  public static BatchPlan from(BatchRequest first) {
    taskenum task = null;
    if (first.getTask() != null) {
      try {
        task = taskenum.valueOf(first.getTask());
      } catch (IllegalArgumentException e) {
        // unknown: refused below
      }
    }
    if (task == null || task == taskenum.MONITOR) {
      throw new InvalidRequestException("task: one of SYMBOL1, SYMBOL2, SYMBOL3, got '" + ClientInput.abbreviate(first.getTask()) + "'");
    }
    Priority priority;
    try {
      priority = Priority.parse(first.getPriority(), Priority.BULK);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    SplitRange split = first.getSplit();
    if (split != null) {
      LocalDate from = date("split.from", split.getFrom());
      LocalDate to = date("split.to", split.getTo());
      if (to.isBefore(from)) {
        throw new InvalidRequestException("split.to " + to + " is before split.from " + from);
      }
      if (split.getDaysPerJob() < 1 || split.getDaysPerJob() > MAX_DAYS_PER_JOB) {
        throw new InvalidRequestException("split.days_per_job: from 1 to " + MAX_DAYS_PER_JOB + ", got " + split.getDaysPerJob());
      }
    }
    return new BatchPlan(task, first.getIngest(), first.getIngestType(), priority, split);
  }

  /** The job with {@code jobId} for one daterange. */
  public TemplateInput job(String jobId, String daterange) {
    return TemplateInput.newBuilder().setHash(jobId).setId(null).setTask(task).setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(ingest).setIngestType(ingestType).setDaterange(daterange)
            .setPersistence(null).build())
        .build();
  }

  /** The dateranges the split range makes, one per job, computed as they are taken (none without a split). */
  public Iterator<String> splitDateranges() {
    if (split == null) {
      return Collections.emptyIterator();
    }
    LocalDate last = LocalDate.parse(split.getTo());
    int days = split.getDaysPerJob();
    return new Iterator<>() {
      private LocalDate next = LocalDate.parse(split.getFrom());

      @Override
      public boolean hasNext() {
        return !next.isAfter(last);
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        LocalDate end = next.plusDays(days - 1L);
        if (end.isAfter(last)) {
          end = last;
        }
        String range = end.equals(next) ? next.toString() : next + ":" + end;
        next = end.plusDays(1);
        return range;
      }
    };
  }

  /** How many jobs the split range makes. */
  public long splitJobs() {
    if (split == null) {
      return 0;
    }
    long days = ChronoUnit.DAYS.between(LocalDate.parse(split.getFrom()), LocalDate.parse(split.getTo())) + 1;
    return (days + split.getDaysPerJob() - 1) / split.getDaysPerJob();
  }

  /**
   * A daterange a caller listed: YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD, real dates, in order.
   *
   * @param index its place in the batch, for the error message
   * @throws InvalidRequestException naming it
   */
  public static String checkDaterange(String daterange, long index) {
    String field = "dateranges[" + index + "]";
    if (daterange == null || !DATERANGE.matcher(daterange).matches()) {
      throw new InvalidRequestException(field + ": YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD, got '" + ClientInput.abbreviate(daterange) + "'");
    }
    String[] parts = daterange.split(":");
    LocalDate from = date(field, parts[0]);
    if (parts.length == 2 && date(field, parts[1]).isBefore(from)) {
      throw new InvalidRequestException(field + ": ends before it starts: '" + daterange + "'");
    }
    return daterange;
  }

  private static LocalDate date(String field, String text) {
    try {
      return LocalDate.parse(String.valueOf(text));
    } catch (DateTimeParseException e) {
      throw new InvalidRequestException(field + ": a date YYYY-MM-DD, got '" + ClientInput.abbreviate(text) + "'");
    }
  }
}
