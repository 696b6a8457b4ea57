package org.scix.pipeline.gateway.jobsapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.lookup.OutputsByJob;
import org.scix.pipeline.gateway.status.JobPage;
import org.scix.pipeline.gateway.status.JobQuery;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.schemas.status.JobState;

/**
 * ListJobs and one job's history, as JSON over HTTP on the gateway's ops port (read-only):
 *
 * <ul>
 *   <li>{@code GET /jobs?status=Success,Error&task=SYMBOL1&from=...&to=...&limit=100&cursor=...}: jobs
 *       submitted in {@code [from, to)} (ISO-8601 instants or epoch millis), newest first; the answer's
 *       {@code next_cursor} continues the listing (absent at the end);</li>
 *   <li>{@code GET /jobs/<id>}: one job's timeline, after a read barrier (a job another replica
 *       accepted a moment ago is found); 404 for an id never submitted or forgotten after JOB_RETENTION.</li>
 * </ul>
 *
 * Every answer says whether the view is caught up with the status topic ({@code view.caught_up}),
 * so a replica that is behind never answers as if it were current. Served on the ops port
 * ({@value #PATH}) and in the dashboard ({@code /api/jobs}): {@link #routes} adds both routes to a router.
 */
public final class JobsHttpApi {
  public static final String PATH = "/jobs";
  private static final int DEFAULT_LIMIT = 100;

  private final StatusView view;
  private final StatusViewSync sync;
  private final BooleanSupplier healthy;
  private final Duration syncTimeout;
  private final OutputsByJob outputs;

  public JobsHttpApi(StatusView view, StatusViewSync sync, BooleanSupplier healthy, Duration syncTimeout, OutputsByJob outputs) {
    this.outputs = outputs;
    this.view = view;
    this.sync = sync;
    this.healthy = healthy;
    this.syncTimeout = syncTimeout;
  }

  /** Adds ListJobs ({@code base}), one job ({@code base/<id>}) and its outputs ({@code base/<id>/outputs}) to {@code router}. */
  public HttpRouter routes(HttpRouter router, String base) {
    return router
        .get(Pattern.quote(base) + "/?", request -> Reply.ok(request.param("id").isPresent()
            ? byIdPrefix(request.param("id").get()) : list(query(request.query()))))
        .get(Pattern.quote(base) + "/([^/]+)/outputs", request -> Reply.ok(outputs(outputs.find(request.path(1)))))
        .get(Pattern.quote(base) + "/([^/]+)", request -> job(request.path(1)));
  }

  /** A job's outputs as JSON: each decoded, with its offset; {@code missing} says why any are not there. */
  public static ObjectNode outputs(OutputsByJob.Answer found) {
    ObjectNode answer = Json.object().put("job_id", found.jobId()).put("status", found.state().name()).put("topic", found.topic());
    if (found.partition() != null) {
      answer.put("partition", found.partition());
    }
    ArrayNode list = answer.putArray("outputs");
    for (int i = 0; i < found.outputs().size(); i++) {
      try {
        list.addObject().put("offset", found.offsets().get(i)).set("value", Json.MAPPER.readTree(found.outputs().get(i).toString()));
      } catch (java.io.IOException e) {
        list.addObject().put("offset", found.offsets().get(i)).put("value", found.outputs().get(i).toString());
      }
    }
    return answer.put("missing", found.missing());
  }

  private Reply job(String jobId) {
    if (!JobIds.isValid(jobId)) {
      throw new InvalidRequestException("a job id is 64 lowercase hex characters, got '" + jobId + "'");
    }
    sync.awaitSynced(syncTimeout);
    JobRecord job = view.job(jobId).orElseThrow(() ->
        new NotFoundException("job " + jobId + " is not known: never submitted, or forgotten JOB_RETENTION_MS after it ended"));
    ObjectNode answer = Json.object();
    answer.set("job", describe(job));
    answer.set("view", viewState());
    return Reply.ok(answer);
  }

  private ObjectNode list(JobQuery query) {
    JobPage page = view.list(query);
    ObjectNode answer = Json.object();
    ArrayNode jobs = answer.putArray("jobs");
    page.jobs().forEach(job -> jobs.add(describe(job)));
    if (page.next() != null) {
      answer.put("next_cursor", page.next().token());
    }
    answer.put("scanned", page.scanned());
    ObjectNode counts = answer.putObject("counts");
    for (JobState state : JobState.values()) {
      counts.put(state.name(), view.count(state));
    }
    answer.set("view", viewState());
    return answer;
  }

  /** Jobs whose id starts with {@code prefix} (search by id); at most a page. */
  private ObjectNode byIdPrefix(String prefix) {
    if (!prefix.matches("[0-9a-f]{1,64}")) {
      throw new InvalidRequestException("an id prefix is lowercase hex, got '" + prefix + "'");
    }
    ObjectNode answer = Json.object();
    ArrayNode jobs = answer.putArray("jobs");
    view.withIdPrefix(prefix, DEFAULT_LIMIT).forEach(job -> jobs.add(describe(job)));
    answer.set("view", viewState());
    return answer;
  }

  private ObjectNode viewState() {
    return Json.object().put("caught_up", sync.isCaughtUp()).put("healthy", healthy.getAsBoolean()).put("jobs", view.size());
  }

  /** One job as ListJobs and the job endpoint return it. */
  public ObjectNode describe(JobRecord job) {
    ObjectNode node = Json.object()
        .put("job_id", job.jobId())
        .put("task", job.task())
        .put("status", job.state().name())
        .put("attempts", job.attempt())
        .put("worker", job.worker())
        .put("error_reason", job.errorReason())
        .put("trace_id", traceId(job.traceparent()))
        .put("traceparent", job.traceparent())
        .put("partition", job.partition())
        .put("replay_of", job.replayOf())
        .put("priority", job.priority().wireName())
        .put("batch_id", job.batchId());
    if (job.progress() != null) {
      node.putObject("progress").put("done", job.progress().done()).put("total", job.progress().total())
          .put("message", job.progress().message());
    }
    putTime(node, "submitted_at", job.submittedAt());
    putTime(node, "started_at", job.startedAt());
    putTime(node, "ended_at", job.endedAt());
    putTime(node, "updated_at", job.updatedAt());
    putTime(node, "due_at", job.dueAt());
    ArrayNode history = node.putArray("history");
    addChange(history, JobState.Pending, job.submittedAt());
    addChange(history, JobState.Processing, job.startedAt());
    if (job.isTerminal()) {
      addChange(history, job.state(), job.endedAt());
    }
    return node;
  }

  private void addChange(ArrayNode history, JobState state, long millis) {
    if (millis > 0) {
      history.addObject().put("status", state.name()).put("time", Instant.ofEpochMilli(millis).toString());
    }
  }

  private static void putTime(ObjectNode node, String field, long millis) {
    if (millis > 0) {
      node.put(field, Instant.ofEpochMilli(millis).toString());
    } else {
      node.putNull(field);
    }
  }

  /** The trace id of a W3C traceparent ({@code 00-<trace id>-<span id>-<flags>}). */
  private static String traceId(String traceparent) {
    if (traceparent == null) {
      return null;
    }
    String[] parts = traceparent.split("-");
    return parts.length == 4 ? parts[1] : null;
  }

  static JobQuery query(Map<String, String> params) {
    Set<JobState> states = EnumSet.noneOf(JobState.class);
    String status = params.get("status");
    if (status != null && !status.isBlank()) {
      for (String name : status.split(",")) {
        states.add(state(name.trim()));
      }
    }
    String task = params.get("task");
    int limit = DEFAULT_LIMIT;
    if (params.containsKey("limit")) {
      try {
        limit = Integer.parseInt(params.get("limit"));
      } catch (NumberFormatException e) {
        throw new InvalidRequestException("limit must be a number, got '" + params.get("limit") + "'");
      }
    }
    String cursor = params.get("cursor");
    try {
      return new JobQuery(states, task == null || task.isBlank() ? null : task, time("from", params.get("from"), 0),
          time("to", params.get("to"), Long.MAX_VALUE), limit, cursor == null || cursor.isBlank() ? null : JobQuery.Cursor.parse(cursor));
    } catch (IllegalArgumentException e) { // the query's own checks (limit range, cursor format)
      throw new InvalidRequestException(e.getMessage());
    }
  }

  private static JobState state(String name) {
    for (JobState state : JobState.values()) {
      if (state.name().equalsIgnoreCase(name)) {
        return state;
      }
    }
    throw new InvalidRequestException("unknown status '" + name + "'; use Pending, Processing, Success or Error");
  }

  private static long time(String name, String value, long absent) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      return value.chars().allMatch(Character::isDigit) ? Long.parseLong(value) : Instant.parse(value).toEpochMilli();
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new InvalidRequestException(name + " must be an ISO-8601 instant (2026-11-26T10:00:00Z) or epoch millis, got '" + value + "'");
    }
  }
}
