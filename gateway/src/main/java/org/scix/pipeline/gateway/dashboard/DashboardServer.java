package org.scix.pipeline.gateway.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.core.lifecycle.Closer;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.gateway.GatewayConfig;
import org.scix.pipeline.gateway.batches.Batches;
import org.scix.pipeline.gateway.batches.BatchesHttpApi;
import org.scix.pipeline.gateway.deadletters.DeadLetters;
import org.scix.pipeline.gateway.errors.ConflictException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.jobsapi.JobsHttpApi;
import org.scix.pipeline.gateway.lookup.JobTopics;
import org.scix.pipeline.gateway.lookup.OutputsByJob;
import org.scix.pipeline.gateway.lookup.KafkaJobTopics;
import org.scix.pipeline.gateway.lookup.KafkaWorkerGroup;
import org.scix.pipeline.gateway.lookup.WorkerGroup;
import org.scix.pipeline.gateway.schedules.ScheduleAdmin;
import org.scix.pipeline.gateway.schedules.SchedulesHttpApi;
import org.scix.pipeline.gateway.audit.AuditLog;
import org.scix.pipeline.gateway.jobsapi.BulkCancel;
import org.scix.pipeline.gateway.tasks.TaskAdmin;
import org.scix.pipeline.gateway.tasks.TasksHttpApi;
import org.scix.pipeline.gateway.status.JobRecord;
import org.scix.pipeline.gateway.status.StatusView;
import org.scix.pipeline.gateway.status.StatusViewLoader;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs dashboard: static pages under {@code /dashboard/} (plain HTML, CSS and JavaScript from
 * the gateway's jar) and the JSON they read and act through under {@code /api/}, each a row of the
 * route table in {@link #apiRoutes}. Reads are ListJobs ({@link JobsHttpApi}), the overview, live
 * status changes as server-sent events, and the dead letters; actions (cancel, replay, discard) are
 * POSTs that {@link DashboardAccess} lets through only with the token. Errors are mapped in one
 * place ({@code http.HttpErrors}).
 */
public final class DashboardServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  private static final int MAX_EVENT_STREAMS = 32;
  private static final Duration ACTION_TIMEOUT = Duration.ofSeconds(15);
  private static final String JOB_ID = "([0-9a-f]{64})";
  private static final String DEAD_LETTER_REF = "([0-9]+-[0-9]+)";
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

  private final HttpServer server;
  private final ExecutorService threads;
  private final StatusView view;
  private final JobsHttpApi jobs;
  private final SchedulesHttpApi schedules;
  private final BatchesHttpApi batches;
  private final TasksHttpApi tasks;
  private final OperatorActions actions;
  private final AuditLog audit;
  private final OutputsByJob outputsByJob;
  private final JobSubmitter submitter;
  private final DeadLetters deadLetters;
  private final WorkerGroup workers;
  private final JobTopics topics;
  private final Semaphore eventStreams = new Semaphore(MAX_EVENT_STREAMS);
  private final Closer closer;
  private volatile boolean running = true;

  /**
   * The gateway's dashboard with its Kafka lookups (worker group, job records, dead letters).
   *
   * @throws IOException naming the setting to change when the port is taken
   */
  public static DashboardServer start(GatewayConfig config, StatusView view, StatusViewLoader loader, JobSubmitter submitter,
      Batches batches, ScheduleAdmin scheduleAdmin, TaskAdmin taskAdmin, AuditLog audit, OutputsByJob outputsByJob,
      PipelineSerdes serdes) throws IOException {
    Closer lookups = new Closer();
    try {
      WorkerGroup workers = lookups.register("worker group lookup",
          new KafkaWorkerGroup(config.kafka(), config.dashboard().workerGroup(), config.topics()));
      DeadLetters deadLetters = lookups.register("dead letters", new DeadLetters(config.kafka(), config.topics().deadLetter(),
          serdes.deserializer(TemplateInput.class), submitter, "scix-gateway-dead-letters-" + config.instanceId()));
      JobTopics topics = lookups.register("job records lookup",
          new KafkaJobTopics(config.kafka(), config.topics(), serdes, "scix-gateway-dashboard-" + config.instanceId()));
      JobsHttpApi jobs = new JobsHttpApi(view, loader, loader::isHealthy, config.api().syncTimeout(), outputsByJob);
      SchedulesHttpApi schedules = new SchedulesHttpApi(scheduleAdmin);
      OperatorActions actions = new OperatorActions(new BulkCancel(view, loader, submitter), deadLetters, audit, Clock.systemUTC());
      return new DashboardServer(config.dashboard(), view, jobs, schedules, new BatchesHttpApi(batches),
          new TasksHttpApi(taskAdmin, "dashboard"), actions, audit, submitter, deadLetters, workers, topics, outputsByJob, lookups);
    } catch (BindException e) {
      lookups.close();
      throw new IOException("the dashboard cannot listen on " + config.dashboard().host() + ":" + config.dashboard().port()
          + " (in use: another gateway on this machine?): set " + DashboardSettings.PORT + " to another port (0: any free one)"
          + " or " + DashboardSettings.ENABLED + "=false", e);
    } catch (IOException | RuntimeException e) {
      lookups.close();
      throw e;
    }
  }

  /** @param closer closes the lookups this server was given, after the server */
  DashboardServer(DashboardSettings settings, StatusView view, JobsHttpApi jobs, SchedulesHttpApi schedules, BatchesHttpApi batches,
      TasksHttpApi tasks, OperatorActions actions, AuditLog audit, JobSubmitter submitter,
      DeadLetters deadLetters, WorkerGroup workers, JobTopics topics, OutputsByJob outputsByJob, Closer closer) throws IOException {
    this.outputsByJob = outputsByJob;
    this.view = view;
    this.jobs = jobs;
    this.schedules = schedules;
    this.batches = batches;
    this.tasks = tasks;
    this.actions = actions;
    this.audit = audit;
    this.submitter = submitter;
    this.deadLetters = deadLetters;
    this.workers = workers;
    this.topics = topics;
    this.closer = closer;
    DashboardAccess access = new DashboardAccess(settings);
    this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
    this.threads = Executors.newCachedThreadPool(Threads.daemonFactory("dashboard-http"));
    server.setExecutor(threads);
    server.createContext("/", new HttpRouter()
        .stream("/", this::redirectToDashboard)
        .stream("/dashboard/([a-z0-9-]*\\.?[a-z]*)", this::staticFile));
    server.createContext("/api/", apiRoutes(new HttpRouter(access.guard())));
    server.start();
    log.info("dashboard at http://{}:{}/dashboard/ ({})", settings.host(), port(), access.describe());
  }

  /** The JSON API: one row per endpoint. */
  private HttpRouter apiRoutes(HttpRouter router) {
    jobs.routes(router, "/api/jobs");
    schedules.routes(router, "/api/schedules");
    batches.routes(router, "/api/batches");
    tasks.routes(router, "/api/tasks");
    actions.routes(router);
    return router
        .get("/api/overview", request -> Reply.ok(overview()))
        .get("/api/jobs/" + JOB_ID + "/records", request -> Reply.ok(records(request.path(1))))
        .post("/api/jobs/" + JOB_ID + "/cancel", request -> new Reply(202, cancel(request.path(1), request.operator("dashboard"))))
        .stream(DashboardAccess.EVENTS_PATH, this::events)
        .get("/api/dead-letters", request -> Reply.ok(Json.object().set("dead_letters", Json.MAPPER.valueToTree(deadLetters.list(200)))))
        .get("/api/dead-letters/" + DEAD_LETTER_REF, request -> Reply.ok(deadLetter(request.path(1))))
        .post("/api/dead-letters/" + DEAD_LETTER_REF + "/replay", request -> {
          String replayedAs = deadLetters.replay(request.path(1)).get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          audit.record(request.operator("dashboard"), "dead letter replay", request.path(1), "as job " + replayedAs);
          return Reply.ok(Json.object().put("ref", request.path(1)).put("replayed_as", replayedAs));
        })
        .post("/api/dead-letters/" + DEAD_LETTER_REF + "/discard", request -> {
          deadLetters.discard(request.path(1)).get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          audit.record(request.operator("dashboard"), "dead letter discard", request.path(1), null);
          return Reply.ok(Json.object().put("ref", request.path(1)).put("discarded", true));
        });
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void redirectToDashboard(HttpRouter.Request request) throws IOException {
    request.exchange().getResponseHeaders().set("Location", "/dashboard/");
    request.exchange().sendResponseHeaders(302, -1);
  }

  private void staticFile(HttpRouter.Request request) throws IOException {
    HttpExchange exchange = request.exchange();
    String name = request.path(1).isEmpty() ? "index.html" : request.path(1);
    InputStream resource = name.matches("[a-z0-9-]+\\.(html|js|css|svg)") ? DashboardServer.class.getResourceAsStream("/dashboard/" + name)
        : null;
    if (resource == null) {
      Json.send(exchange, 404, Json.error("not found"));
      return;
    }
    try (InputStream in = resource) {
      byte[] body = in.readAllBytes();
      exchange.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
      Json.securityHeaders(exchange);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  private ObjectNode overview() {
    ObjectNode answer = Json.object();
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
    answer.set("workers", Json.MAPPER.valueToTree(workers.describe()));
    return answer;
  }

  /** A job's submitted arguments (its input record) and its output records, found on their topics by its times. */
  private ObjectNode records(String jobId) {
    ObjectNode answer = Json.object().put("job_id", jobId);
    JobRecord job = view.job(jobId).orElse(null);
    if (job == null) {
      return answer.put("error", "job " + jobId + " is not known");
    }
    long slack = Duration.ofSeconds(5).toMillis();
    long submitted = job.submittedAt() > 0 ? job.submittedAt() : job.updatedAt();
    ArrayNode input = answer.putArray("input");
    topics.input(jobId, submitted - slack, submitted + Duration.ofMinutes(1).toMillis()).forEach(input::add);
    ArrayNode outputs = answer.putArray("outputs");
    if (job.state() == JobState.Success && job.outputs() != null) {
      // Where its Success says they are: no scan.
      OutputsByJob.Answer found = outputsByJob.find(jobId);
      found.outputs().forEach(output -> outputs.add(output.toString()));
      if (found.missing() != null) {
        outputs.add("(" + found.missing() + ")");
      }
    } else if (job.state() == JobState.Success) {
      long from = job.startedAt() > 0 ? job.startedAt() : submitted; // a Success from a worker that does not say where
      topics.outputs(jobId, from - slack, job.endedAt() + Duration.ofMinutes(1).toMillis()).forEach(outputs::add);
    }
    return answer;
  }

  private ObjectNode cancel(String jobId, String who) throws Exception {
    JobRecord job = view.job(jobId).orElseThrow(() -> new NotFoundException("job " + jobId + " is not known"));
    if (job.isTerminal()) {
      throw new ConflictException("job " + jobId + " already ended " + job.state());
    }
    submitter.cancel(job, null).get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    audit.record(who, "job cancel", jobId, null);
    return Json.object().put("job_id", jobId).put("cancel", "requested");
  }

  /** One dead letter, whatever its age (the list holds the newest 200), after the dead-letter reader's read barrier. */
  private JsonNode deadLetter(String ref) throws TimeoutException, InterruptedException {
    DeadLetters.DeadLetter letter = deadLetters.get(ref);
    if (letter == null) {
      throw new NotFoundException("no dead letter " + ref);
    }
    return Json.MAPPER.valueToTree(letter);
  }

  /** Server-sent events: every job's every status change, as its ListJobs entry, while the page is open. */
  private void events(HttpRouter.Request request) throws IOException {
    HttpExchange exchange = request.exchange();
    if (!eventStreams.tryAcquire()) {
      Json.send(exchange, 503, Json.error("too many live views open (" + MAX_EVENT_STREAMS + ")"));
      return;
    }
    BlockingQueue<JobRecord> changes = new ArrayBlockingQueue<>(10_000);
    StatusView.Subscription subscription = view.subscribeAll(changes::offer); // a page that cannot keep up misses changes, not memory
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (running) {
        JobRecord job = changes.poll(15, TimeUnit.SECONDS);
        String event = job == null ? ": keep-alive\n\n" : "data: " + Json.MAPPER.writeValueAsString(jobs.describe(job)) + "\n\n";
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

  @Override
  public void close() {
    running = false;
    server.stop(0);
    threads.shutdownNow();
    closer.close();
  }
}
