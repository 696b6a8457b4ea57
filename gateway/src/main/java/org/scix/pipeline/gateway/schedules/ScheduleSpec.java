package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * A named, recurring submission: every tick (a cron expression in a time zone, or a fixed
 * interval counted from the epoch, so every replica computes the same ticks) makes one job of
 * {@code task} with these arguments; {@code daterange} may name the tick's day ({@code {tick}},
 * {@code {tick-1}} for the day before, in the schedule's zone), so a nightly harvest asks for
 * yesterday. Ticks missed while no replica could fire them (an outage, not a pause) are all run, oldest first,
 * up to {@code maxCatchUp} ({@code catch_up: all}), or skipped ({@code catch_up: skip}: only ticks
 * under a minute late run). Stored as JSON on the compacted schedules topic, keyed by name.
 *
 * @param createdAt when the API was asked to create the schedule (epoch ms, that replica's clock),
 *     as shown to callers; ticks are counted from its record's Kafka timestamp instead
 *     ({@link ScheduleRecords#definedAt}), which every replica reads alike and a resume moves on
 * @param priority the priority of its jobs (bulk unless the schedule says interactive)
 */
public record ScheduleSpec(String name, taskenum task, Boolean ingest, String ingestType, String daterange, String cron,
    Duration every, ZoneId zone, boolean catchUpAll, int maxCatchUp, boolean paused, long createdAt, Priority priority) {

  public static final int MAX_NAME_LENGTH = 100;
  public static final int DEFAULT_MAX_CATCH_UP = 100;
  public static final Duration SKIP_GRACE = Duration.ofMinutes(1);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_NAME_LENGTH + "}");
  private static final Pattern TICK_DAY = Pattern.compile("\\{tick(?:-(\\d{1,4}))?}");

  /** The next tick strictly after {@code afterMillis}, epoch ms (Long.MAX_VALUE: none). */
  public long nextTick(long afterMillis) {
    if (every != null) {
      long period = every.toMillis();
      return Math.floorDiv(afterMillis, period) * period + period;
    }
    return CronExpression.parse(cron).nextMillis(afterMillis, zone);
  }

  /** The job of the tick at {@code tickMillis}, with {@code jobId}. */
  public TemplateInput job(String jobId, long tickMillis) {
    return TemplateInput.newBuilder().setHash(jobId).setId(null).setTask(task).setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(ingest).setIngestType(ingestType)
            .setDaterange(daterange == null ? null : daterangeFor(tickMillis)).setPersistence(null).build())
        .build();
  }

  /** {@code daterange} with each {@code {tick}} / {@code {tick-N}} replaced by that day (yyyy-MM-dd, in the schedule's zone). */
  String daterangeFor(long tickMillis) {
    LocalDate day = Instant.ofEpochMilli(tickMillis).atZone(zone).toLocalDate();
    Matcher m = TICK_DAY.matcher(daterange);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      int back = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
      m.appendReplacement(out, day.minusDays(back).toString());
    }
    m.appendTail(out);
    return out.toString();
  }

  public ScheduleSpec withPaused(boolean paused) {
    return new ScheduleSpec(name, task, ingest, ingestType, daterange, cron, every, zone, catchUpAll, maxCatchUp, paused, createdAt, priority);
  }

  public byte[] toJson() {
    try {
      return Json.MAPPER.writeValueAsBytes(describe());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The schedule as the API shows it (and as it is stored). */
  public ObjectNode describe() {
    ObjectNode node = Json.object().put("name", name).put("task", task.name());
    if (ingest != null) {
      node.put("ingest", ingest);
    }
    node.put("ingest_type", ingestType).put("daterange", daterange).put("cron", cron)
        .put("every", every == null ? null : every.toString()).put("zone", zone.getId())
        .put("catch_up", catchUpAll ? "all" : "skip").put("max_catch_up", maxCatchUp).put("paused", paused)
        .put("created_at", Instant.ofEpochMilli(createdAt).toString()).put("priority", priority.wireName());
    return node;
  }

  /** A schedule as stored (trusted: it was validated when created). */
  public static ScheduleSpec fromJson(byte[] json) throws IOException {
    JsonNode node = Json.MAPPER.readTree(json);
    return parse(node, Instant.parse(node.get("created_at").asText()).toEpochMilli());
  }

  /**
   * A schedule from an API request, created now.
   *
   * @throws InvalidRequestException naming the field that is wrong
   */
  public static ScheduleSpec fromRequest(JsonNode node, long nowMillis) {
    if (node == null || !node.isObject()) {
      throw new InvalidRequestException("a schedule is a JSON object");
    }
    return parse(node, nowMillis);
  }

  private static ScheduleSpec parse(JsonNode node, long createdAt) {
    String name = Json.text(node, "name");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidRequestException("name: 1 to " + MAX_NAME_LENGTH + " letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    String taskName = Json.text(node, "task");
    taskenum task;
    try {
      task = taskenum.valueOf(String.valueOf(taskName));
    } catch (IllegalArgumentException e) {
      task = null;
    }
    if (task == null || task == taskenum.MONITOR) {
      throw new InvalidRequestException("task: one of SYMBOL1, SYMBOL2, SYMBOL3, got '" + taskName + "'");
    }
    String cron = Json.text(node, "cron");
    String everyText = Json.text(node, "every");
    if ((cron == null) == (everyText == null)) {
      throw new InvalidRequestException("give either cron (e.g. \"0 2 * * *\") or every (an ISO-8601 duration, e.g. \"PT1H\"), not "
          + (cron == null ? "neither" : "both"));
    }
    if (cron != null) {
      try {
        CronExpression.parse(cron);
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("cron: " + e.getMessage());
      }
    }
    Duration every = null;
    if (everyText != null) {
      try {
        every = Duration.parse(everyText);
      } catch (DateTimeParseException e) {
        throw new InvalidRequestException("every: an ISO-8601 duration such as PT2S or PT24H, got '" + everyText + "'");
      }
      if (every.compareTo(Duration.ofSeconds(1)) < 0 || every.compareTo(Duration.ofDays(366)) > 0) {
        throw new InvalidRequestException("every: from 1 second to 366 days, got " + every);
      }
    }
    ZoneId zone;
    String zoneText = Json.text(node, "zone");
    try {
      zone = zoneText == null ? ZoneId.of("UTC") : ZoneId.of(zoneText);
    } catch (DateTimeException e) {
      throw new InvalidRequestException("zone: a time zone such as UTC or Europe/Berlin, got '" + zoneText + "'");
    }
    String daterange = Json.text(node, "daterange");
    if (daterange != null && !TICK_DAY.matcher(daterange).replaceAll("2000-01-01").matches("\\d{4}-\\d{2}-\\d{2}(:\\d{4}-\\d{2}-\\d{2})?")) {
      throw new InvalidRequestException("daterange: YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD, where a date may be {tick} or {tick-N} "
          + "(the tick's day, N days before), got '" + daterange + "'");
    }
    String catchUp = Json.text(node, "catch_up");
    if (catchUp != null && !Arrays.asList("all", "skip").contains(catchUp)) {
      throw new InvalidRequestException("catch_up: all (run each missed tick) or skip, got '" + catchUp + "'");
    }
    int maxCatchUp = node.hasNonNull("max_catch_up") ? node.get("max_catch_up").asInt(-1) : DEFAULT_MAX_CATCH_UP;
    if (maxCatchUp < 1 || maxCatchUp > 10_000) {
      throw new InvalidRequestException("max_catch_up: from 1 to 10000, got " + node.get("max_catch_up"));
    }
    Boolean ingest = node.hasNonNull("ingest") ? node.get("ingest").asBoolean() : null;
    Priority priority;
    try {
      priority = Priority.parse(Json.text(node, "priority"), Priority.BULK);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    return new ScheduleSpec(name, task, ingest, Json.text(node, "ingest_type"), daterange, cron, every, zone, !"skip".equals(catchUp),
        maxCatchUp, node.path("paused").asBoolean(false), createdAt, priority);
  }
}
