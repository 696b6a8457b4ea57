package org.scix.pipeline.worker.task;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import org.scix.pipeline.schemas.input.task_args_record;

/**
 * The example task: expands a job's {@code daterange} into one output record per day, the unit
 * of work a harvesting pipeline would schedule. {@code daterange} is one ISO date
 * ({@code 2023-04-26}) or two separated by a colon ({@code 2023-04-01:2023-04-30}, inclusive, at
 * most 366 days). Each record's id is {@code <jobId>-<date>} and its data a small JSON object with
 * the date, {@code ingest_type} and {@code ingest}. A missing or malformed range ends the job in
 * Error (not retried: retrying cannot fix the input).
 */
public final class DateRangeExpansionTask implements PipelineTask {
  public static final String NAME = "daterange-expansion";
  static final int MAX_DAYS = 366;

  /** Registered in {@code META-INF/services}, like any team's own task. */
  public static final class Provider extends NamedTaskProvider {
    public Provider() {
      super(NAME, settings -> new DateRangeExpansionTask());
    }
  }

  @Override
  public void run(TaskContext context) {
    task_args_record args = context.job().getTaskArgs();
    String range = args.getDaterange();
    if (range == null || range.isBlank()) {
      throw new IllegalArgumentException("daterange is required by " + NAME);
    }
    LocalDate from;
    LocalDate to;
    try {
      String[] parts = range.split(":", -1);
      if (parts.length > 2) {
        throw new IllegalArgumentException("daterange '" + range + "' has more than two dates");
      }
      from = LocalDate.parse(parts[0].trim());
      to = parts.length == 2 ? LocalDate.parse(parts[1].trim()) : from;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("daterange '" + range + "' is not YYYY-MM-DD[:YYYY-MM-DD]");
    }
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("daterange '" + range + "' ends before it starts");
    }
    if (from.plusDays(MAX_DAYS).isBefore(to.plusDays(1))) {
      throw new IllegalArgumentException("daterange '" + range + "' spans more than " + MAX_DAYS + " days");
    }
    String ingestType = args.getIngestType() == null ? "null" : '"' + args.getIngestType().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      if (context.isCancelled()) {
        return;
      }
      context.emit(context.jobId() + "-" + day,
          "{\"date\":\"" + day + "\",\"ingest_type\":" + ingestType + ",\"ingest\":" + args.getIngest() + "}");
    }
  }
}
