package org.scix.pipeline.gateway.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.gateway.api.JobsHttpApi;
import org.scix.pipeline.gateway.deadletters.DeadLetters;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs dashboard: static pages under {@code /dashboard/} (plain HTML, CSS and JavaScript from
 * the gateway's jar) and the JSON they read and act through under {@code /api/}. Reads are
 * ListJobs ({@link JobsHttpApi}), the overview, live status changes as server-sent events, and the
 * dead letters; actions (cancel, replay, discard) are POSTs that {@link DashboardAccess} lets
 * through only with the token.
 */
public final class DashboardServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  private static final int MAX_EVENT_STREAMS = 32;
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

  private final HttpServer server;
  private final ExecutorService threads;
  private final StatusView view;
  private final JobsHttpApi jobs;
  private final JobSubmitter submitter;
  private final DeadLetters deadLetters;
  private final WorkerGroup workers;
  private final JobTopics records;
  private final DashboardAccess access;
  private final Semaphore eventStreams = new Semaphore(MAX_EVENT_STREAMS);
  private final ObjectMapper json = new ObjectMapper();
  private volatile boolean running = true;

  public DashboardServer(DashboardSettings settings, StatusView view, JobsHttpApi jobs, JobSubmitter submitter, DeadLetters deadLetters,
      WorkerGroup workers, JobTopics records) throws IOException {
    this.records = records;
    this.view = view;
    this.jobs = jobs;
    this.submitter = submitter;
    this.deadLetters = deadLetters;
    this.workers = workers;
    this.access = new DashboardAccess(settings);
    this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "dashboard-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    server.createContext("/", exchange -> {
      try (exchange) {
        exchange.getResponseHeaders().set("Location", "/dashboard/");
        exchange.sendResponseHeaders(302, -1);
      }
    });
    server.createContext("/dashboard/", this::staticFile);
    server.createContext("/api/", this::api);
    server.start();
    log.info("dashboard at http://{}:{}/dashboard/ ({})", settings.host(), port(), access.describe());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void staticFile(HttpExchange exchange) throws IOException {
    try (exchange) {
      String name = exchange.getRequestURI().getPath().substring("/dashboard/".length());
      if (name.isEmpty()) {
        name = "index.html";
      }
      if (!name.matches("[a-z0-9-]+\\.(html|js|css|svg)")) {
        sendText(exchange, 404, "not found");
        return;
      }
      try (InputStream in = DashboardServer.class.getResourceAsStream("/dashboard/" + name)) {
        if (in == null) {
          sendText(exchange, 404, "not found");
          return;
        }
        byte[] body = in.readAllBytes();
        exchange.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        securityHeaders(exchange);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    }
  }

  private void api(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    boolean action = "POST".equals(exchange.getRequestMethod());
    DashboardAccess.Denial denial = access.check(exchange, action);
    if (denial != null) {
      try (exchange) {
        sendJson(exchange, denial.status(), json.createObjectNode().put("error", denial.reason()));
      }
      return;
    }
    if (!action && !"GET".equals(exchange.getRequestMethod())) {
      try (exchange) {
        exchange.getResponseHeaders().set("Allow", "GET, POST");
        sendJson(exchange, 405, json.createObjectNode().put("error", "GET to read, POST to act"));
      }
      return;
    }
    try {
      if (!action && path.matches("/api/jobs/[0-9a-f]{64}/records")) {
        try (exchange) {
          sendJson(exchange, 200, records(path.split("/")[3]));
        }
        return;
      }
      if (path.startsWith("/api/jobs") && !action) {
        jobs.handle(exchange);
        return;
      }
      if (path.equals("/api/events")) {
        events(exchange);
        return;
      }
      try (exchange) {
        route(exchange, path, action);
      }
    } catch (RuntimeException e) {
      log.warn("dashboard {} {} failed: {}", exchange.getRequestMethod(), path, e.toString(), e);
      try (exchange) {
        sendJson(exchange, 500, json.createObjectNode().put("error", "internal error: " + e.getClass().getSimpleName()));
      }
    }
  }

  private void route(HttpExchange exchange, String path, boolean action) throws IOException {
    try {
      if (!action && path.equals("/api/overview")) {
        sendJson(exchange, 200, overview());
      } else if (!action && path.equals("/api/dead-letters")) {
        ObjectNode answer = json.createObjectNode();
        answer.set("dead_letters", json.valueToTree(deadLetters.list(200)));
        sendJson(exchange, 200, answer);
      } else if (action && path.matches("/api/jobs/[0-9a-f]{64}/cancel")) {
        sendJson(exchange, 202, cancel(path.split("/")[3]));
      } else if (action && path.matches("/api/dead-letters/[0-9]+-[0-9]+/(replay|discard)")) {
        String[] parts = path.split("/");
        sendJson(exchange, 200, deadLetterAction(parts[3], parts[4]));
      } else {
        sendJson(exchange, 404, json.createObjectNode().put("error", "no such endpoint: " + exchange.getRequestMethod() + " " + path));
      }
    } catch (DeadLetters.NotFoundException e) {
      sendJson(exchange, 404, json.createObjectNode().put("error", e.getMessage()));
    } catch (IllegalArgumentException | IllegalStateException e) {
      sendJson(exchange, 409, json.createObjectNode().put("error", e.getMessage()));
    } catch (TimeoutException e) {
      sendJson(exchange, 503, json.createObjectNode().put("error", "Kafka did not confirm in time; check the job or dead letter again"));
    } catch (Exception e) {
      sendJson(exchange, 503, json.createObjectNode().put("error", "not done: " + e.getMessage()));
    }
  }

  private ObjectNode overview() {
    ObjectNode answer = json.createObjectNode();
    ObjectNode counts = answer.putObject("counts");
    for (JobState state : JobState.values()) {
      counts.put(state.name(), view.count(state));
    }
    long minute = Duration.ofMinutes(1).toMillis();
    long since = (System.currentTimeMillis() / minute - 59) * minute;
    long[][] activity = view.activity(since, minute, 60);
    ObjectNode perMinute = answer.putObject("per_minute");
    perMinute.put("since", since);
    String[] names = {"submitted", "succeeded", "failed"};
    for (int i = 0; i < names.length; i++) {
      ArrayNode series = perMinute.putArray(names[i]);
      for (long n : activity[i]) {
        series.add(n);
      }
    }
    answer.set("workers", json.valueToTree(workers.describe()));
    return answer;
  }

  /** A job's submitted arguments (its input record) and its output records, found on their topics by its times. */
  private ObjectNode records(String jobId) {
    ObjectNode answer = json.createObjectNode().put("job_id", jobId);
    JobRecord job = view.job(jobId).orElse(null);
    if (job == null) {
      return answer.put("error", "job " + jobId + " is not known");
    }
    long slack = Duration.ofSeconds(5).toMillis();
    long submitted = job.submittedAt() > 0 ? job.submittedAt() : job.updatedAt();
    ArrayNode input = answer.putArray("input");
    records.input(jobId, submitted - slack, submitted + Duration.ofMinutes(1).toMillis()).forEach(input::add);
    ArrayNode outputs = answer.putArray("outputs");
    if (job.state() == JobState.Success) {
      long from = job.startedAt() > 0 ? job.startedAt() : submitted;
      records.outputs(jobId, from - slack, job.endedAt() + Duration.ofMinutes(1).toMillis()).forEach(outputs::add);
    }
    return answer;
  }

  private ObjectNode cancel(String jobId) throws Exception {
    JobRecord job = view.job(jobId).orElseThrow(() -> new DeadLetters.NotFoundException("job " + jobId + " is not known"));
    if (job.isTerminal()) {
      throw new IllegalStateException("job " + jobId + " already ended " + job.state());
    }
    submitter.cancel(jobId, null).get(15, TimeUnit.SECONDS);
    return json.createObjectNode().put("job_id", jobId).put("cancel", "requested");
  }

  private ObjectNode deadLetterAction(String ref, String what) throws Exception {
    ObjectNode answer = json.createObjectNode().put("ref", ref);
    if (what.equals("replay")) {
      answer.put("replayed_as", deadLetters.replay(ref).get(15, TimeUnit.SECONDS));
    } else {
      deadLetters.discard(ref).get(15, TimeUnit.SECONDS);
      answer.put("discarded", true);
    }
    return answer;
  }

  /** Server-sent events: every job's every status change, as its ListJobs entry, while the page is open. */
  private void events(HttpExchange exchange) throws IOException {
    if (!eventStreams.tryAcquire()) {
      try (exchange) {
        sendJson(exchange, 503, json.createObjectNode().put("error", "too many live views open (" + MAX_EVENT_STREAMS + ")"));
      }
      return;
    }
    BlockingQueue<JobRecord> changes = new ArrayBlockingQueue<>(10_000);
    StatusView.Subscription subscription = view.subscribeAll(changes::offer); // a page that cannot keep up misses changes, not memory
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (running) {
        JobRecord job = changes.poll(15, TimeUnit.SECONDS);
        String event = job == null ? ": keep-alive\n\n" : "data: " + json.writeValueAsString(jobs.describe(job)) + "\n\n";
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // the page went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      subscription.close();
      eventStreams.release();
    }
  }

  private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    securityHeaders(exchange);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void sendText(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** No framing by other sites, no sniffing, scripts only from here. */
  private static void securityHeaders(HttpExchange exchange) {
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
  }

  @Override
  public void close() {
    running = false;
    server.stop(0);
    threads.shutdownNow();
  }

  /** A job's records on the input and output topics, as text. */
  public interface JobTopics {
    List<String> input(String jobId, long fromMillis, long toMillis);

    List<String> outputs(String jobId, long fromMillis, long toMillis);
  }

  /** For the overview: who is in the worker group and what they hold. */
  @FunctionalInterface
  public interface WorkerGroup {
    List<Map<String, Object>> describe();
  }
}
