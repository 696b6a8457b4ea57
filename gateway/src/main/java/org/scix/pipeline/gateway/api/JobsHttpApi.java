package org.scix.pipeline.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.gateway.status.JobPage;
import org.scix.pipeline.gateway.status.JobQuery;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewSync;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * so a replica that is behind never answers as if it were current.
 */
public final class JobsHttpApi implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(JobsHttpApi.class);
  public static final String PATH = "/jobs";
  private static final int DEFAULT_LIMIT = 100;

  private final String path;
  private final StatusView view;
  private final StatusViewSync sync;
  private final BooleanSupplier healthy;
  private final Duration syncTimeout;
  private final ObjectMapper json = new ObjectMapper();

  public JobsHttpApi(StatusView view, StatusViewSync sync, BooleanSupplier healthy, Duration syncTimeout) {
    this(PATH, view, sync, healthy, syncTimeout);
  }

  /** @param path where it is served ({@value #PATH} on the ops port, {@code /api/jobs} in the dashboard) */
  public JobsHttpApi(String path, StatusView view, StatusViewSync sync, BooleanSupplier healthy, Duration syncTimeout) {
    this.path = path;
    this.view = view;
    this.sync = sync;
    this.healthy = healthy;
    this.syncTimeout = syncTimeout;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, error("only GET is served here"));
        return;
      }
      String requested = exchange.getRequestURI().getPath();
      if (requested.equals(path) || requested.equals(path + "/")) {
        String idPrefix = parameters(exchange.getRequestURI().getRawQuery()).get("id");
        send(exchange, 200, idPrefix != null && !idPrefix.isBlank() ? byIdPrefix(idPrefix) : list(query(exchange.getRequestURI())));
      } else {
        job(exchange, requested.substring(path.length() + 1));
      }
    } catch (IllegalArgumentException e) {
      send(exchange, 400, error(e.getMessage()));
    } catch (RuntimeException e) {
      log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e.toString(), e);
      send(exchange, 500, error("internal error: " + e.getClass().getSimpleName()));
    } finally {
      exchange.close();
    }
  }

  private void job(HttpExchange exchange, String jobId) throws IOException {
    if (!JobIds.isValid(jobId)) {
      throw new IllegalArgumentException("a job id is 64 lowercase hex characters, got '" + jobId + "'");
    }
    try {
      sync.sync().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      send(exchange, 503, error("the status view could not catch up with the status topic within " + syncTimeout.toMillis()
          + " ms; try again or ask another replica"));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      send(exchange, 503, error("interrupted"));
      return;
    }
    JobRecord job = view.job(jobId).orElse(null);
    if (job == null) {
      send(exchange, 404, error("job " + jobId + " is not known: never submitted, or forgotten JOB_RETENTION after it ended"));
      return;
    }
    ObjectNode answer = json.createObjectNode();
    answer.set("job", describe(job));
    answer.set("view", viewState());
    send(exchange, 200, answer);
  }

  private ObjectNode list(JobQuery query) {
    JobPage page = view.list(query);
    ObjectNode answer = json.createObjectNode();
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
      throw new IllegalArgumentException("an id prefix is lowercase hex, got '" + prefix + "'");
    }
    ObjectNode answer = json.createObjectNode();
    ArrayNode jobs = answer.putArray("jobs");
    view.withIdPrefix(prefix, DEFAULT_LIMIT).forEach(job -> jobs.add(describe(job)));
    answer.set("view", viewState());
    return answer;
  }

  private ObjectNode viewState() {
    return json.createObjectNode().put("caught_up", sync.isCaughtUp()).put("healthy", healthy.getAsBoolean()).put("jobs", view.size());
  }

  /** One job as ListJobs and the job endpoint return it. */
  public ObjectNode describe(JobRecord job) {
    ObjectNode node = json.createObjectNode()
        .put("job_id", job.jobId())
        .put("task", job.task())
        .put("status", job.state().name())
        .put("attempts", job.attempt())
        .put("worker", job.worker())
        .put("error_reason", job.errorReason())
        .put("trace_id", traceId(job.traceparent()))
        .put("traceparent", job.traceparent())
        .put("partition", job.partition())
        .put("replay_of", job.replayOf());
    putTime(node, "submitted_at", job.submittedAt());
    putTime(node, "started_at", job.startedAt());
    putTime(node, "ended_at", job.endedAt());
    putTime(node, "updated_at", job.updatedAt());
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

  static JobQuery query(URI uri) {
    Map<String, String> params = parameters(uri.getRawQuery());
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
        throw new IllegalArgumentException("limit must be a number, got '" + params.get("limit") + "'");
      }
    }
    String cursor = params.get("cursor");
    return new JobQuery(states, task == null || task.isBlank() ? null : task, time("from", params.get("from"), 0),
        time("to", params.get("to"), Long.MAX_VALUE), limit, cursor == null || cursor.isBlank() ? null : JobQuery.Cursor.parse(cursor));
  }

  private static JobState state(String name) {
    for (JobState state : JobState.values()) {
      if (state.name().equalsIgnoreCase(name)) {
        return state;
      }
    }
    throw new IllegalArgumentException("unknown status '" + name + "'; use Pending, Processing, Success or Error");
  }

  private static long time(String name, String value, long absent) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      return value.chars().allMatch(Character::isDigit) ? Long.parseLong(value) : Instant.parse(value).toEpochMilli();
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be an ISO-8601 instant (2026-11-26T10:00:00Z) or epoch millis, got '" + value + "'");
    }
  }

  private static Map<String, String> parameters(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(key, value);
    }
    return params;
  }

  private ObjectNode error(String message) {
    return json.createObjectNode().put("error", message);
  }

  private void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
