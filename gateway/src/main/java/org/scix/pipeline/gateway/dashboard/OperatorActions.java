package org.scix.pipeline.gateway.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Set;
import org.scix.pipeline.gateway.audit.AuditLog;
import org.scix.pipeline.gateway.deadletters.DeadLetters;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.HttpErrors;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.jobsapi.BulkCancel;
import org.scix.pipeline.schemas.status.JobState;

/**
 * The dashboard API's actions on many jobs at once, and the audit list: cancel every unfinished
 * job matching a filter, replay every dead letter matching a filter, each one call with a count,
 * each recorded in the audit log with who asked.
 */
final class OperatorActions {
  private static final int MAX_BODY_BYTES = 4096;
  private static final int PREVIEW_IDS = 100;

  private final BulkCancel cancels;
  private final DeadLetters deadLetters;
  private final AuditLog audit;
  private final Clock clock;

  OperatorActions(BulkCancel cancels, DeadLetters deadLetters, AuditLog audit, Clock clock) {
    this.cancels = cancels;
    this.deadLetters = deadLetters;
    this.audit = audit;
    this.clock = clock;
  }

  /** {@code POST /api/jobs/cancel}, {@code POST /api/dead-letters/replay}, {@code GET /api/audit}. */
  HttpRouter routes(HttpRouter router) {
    return router
        .post("/api/jobs/cancel", this::cancelMatching)
        .post("/api/dead-letters/replay", this::replayMatching)
        .get("/api/audit", request -> Reply.ok(auditList(request.param("limit").map(OperatorActions::limit).orElse(200))));
  }

  /** Body: {@code task}, {@code status} (Pending, Processing, or both by default), {@code since}, {@code until}. */
  private Reply cancelMatching(HttpRouter.Request request) throws Exception {
    JsonNode body = Json.body(request.exchange(), MAX_BODY_BYTES);
    Set<JobState> states = EnumSet.noneOf(JobState.class);
    JsonNode status = body.get("status");
    if (status != null && !status.isNull()) {
      for (JsonNode one : status.isArray() ? status : Json.MAPPER.createArrayNode().add(status)) {
        states.add(state(one.asText()));
      }
    }
    BulkCancel.Filter filter = new BulkCancel.Filter(Json.nonBlankText(body, "task"), states, time(body, "since", 0),
        time(body, "until", clock.millis() + 1));
    BulkCancel.Result result = cancels.cancelMatching(filter);
    // Audited and answered with what was done even when it failed part-way: cancels already
    // written stop their jobs whatever the answer says. The error names the counts too, for
    // clients that show only the error of a failed call.
    String done = result.cancelRequested() + " of " + result.matched() + " matching job(s) asked to stop"
        + (result.more() ? "; more match" : "");
    HttpErrors.Answer failure = result.failed() ? HttpErrors.toAnswer(result.error()) : null;
    String outcome = failure == null ? done : "failed part-way: " + done + ", " + result.outcomeUnknown() + " outcome unknown (may stop), "
        + result.notWritten() + " not written: " + failure.message();
    audit.record(request.operator("dashboard"), "bulk cancel", describe(body), outcome);
    ObjectNode answer = Json.object().put("matched", result.matched()).put("cancel_requested", result.cancelRequested())
        .put("outcome_unknown", result.outcomeUnknown()).put("not_written", result.notWritten()).put("more", result.more());
    return failure == null ? Reply.ok(answer) : new Reply(failure.status(), answer.put("error", outcome));
  }

  /** Body: {@code task}, {@code reason} (a part of it), {@code since}, {@code until}. */
  private Reply replayMatching(HttpRouter.Request request) throws Exception {
    JsonNode body = Json.body(request.exchange(), MAX_BODY_BYTES);
    DeadLetters.Filter filter = new DeadLetters.Filter(Json.nonBlankText(body, "task"), Json.nonBlankText(body, "reason"),
        time(body, "since", 0), time(body, "until", Long.MAX_VALUE));
    DeadLetters.BulkReplay result = deadLetters.replayMatching(filter);
    audit.record(request.operator("dashboard"), "bulk replay", describe(body),
        result.replayed() + " replayed of " + result.matched() + " matching (" + result.alreadyHandled() + " done before)");
    ObjectNode answer = Json.object().put("matched", result.matched()).put("replayed", result.replayed())
        .put("already_handled", result.alreadyHandled()).put("not_replayable", result.notReplayable())
        .put("left_for_next_call", result.leftForNextCall());
    ArrayNode ids = answer.putArray("jobs");
    result.jobIds().stream().limit(PREVIEW_IDS).forEach(ids::add);
    return Reply.ok(answer);
  }

  private ObjectNode auditList(int limit) {
    ObjectNode answer = Json.object();
    ArrayNode entries = answer.putArray("entries");
    for (AuditLog.Entry entry : audit.newest(limit)) {
      entries.add(Json.object().put("at", entry.at().toString()).put("who", entry.who()).put("action", entry.action())
          .put("target", entry.target()).put("detail", entry.detail()));
    }
    return answer;
  }

  private static int limit(String value) {
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= AuditLog.MAX_LISTED) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new InvalidRequestException("limit must be 1 to " + AuditLog.MAX_LISTED + ", got '" + value + "'");
  }

  /** The filter as given, for the audit entry's target. */
  private static String describe(JsonNode body) {
    return body.size() == 0 ? "(no filter)" : body.toString();
  }

  private static JobState state(String name) {
    for (JobState state : JobState.values()) {
      if (state.name().equalsIgnoreCase(name)) {
        return state;
      }
    }
    throw new InvalidRequestException("status: unknown '" + name + "'; use Pending or Processing");
  }

  /** An ISO-8601 instant or epoch millis. */
  private static long time(JsonNode body, String field, long absent) {
    String value = Json.nonBlankText(body, field);
    if (value == null) {
      return absent;
    }
    try {
      return value.chars().allMatch(Character::isDigit) ? Long.parseLong(value) : Instant.parse(value).toEpochMilli();
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new InvalidRequestException(field + " must be an ISO-8601 instant (2026-11-26T10:00:00Z) or epoch millis, got '" + value + "'");
    }
  }
}
