package org.scix.pipeline.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.scix.pipeline.bench.chaos.CallerLog.Answer;
import org.scix.pipeline.bench.chaos.CallerLog.Feature;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * The chaos run's load: every feature that can lose, double or strand a job, mixed, through two
 * gateway replicas, recording what each caller was told ({@link CallerLog}). Each actor thread
 * picks its next action at random (seeded): plain short jobs; long jobs followed by a stream
 * (they emit Processing and are running when faults hit); one idempotency key sent to both
 * replicas at the same moment; jobs past their task deadline; flaky jobs that retry and succeed;
 * failing jobs that dead-letter; cancels of queued and of running jobs; delayed jobs (run-at 0.5 to
 * 6.5 s ahead) and delayed jobs cancelled before they are due; single bulk jobs; batches (split or
 * streamed, a quarter of the streamed ones a part a second) and batches cancelled while they run;
 * Monitor calls. A replayer replays every new dead letter of this load on both replicas at once,
 * three calls per dead letter; a pauser pauses {@code SYMBOL3} for 3 s every 10 s, so its jobs of
 * every kind are parked and resumed, and cancels some of them while parked; an operator calls
 * cancel-all, replay-all and pauses the schedule a while, in turn.
 *
 * <p>Jobs run the worker's {@code scripted} task, told by their {@code ingest_type} what to do;
 * {@code SYMBOL2} is the task with a deadline and a concurrency limit.
 */
public final class MixedLoad implements AutoCloseable {
  private final java.util.concurrent.atomic.AtomicInteger streamedBatches = new java.util.concurrent.atomic.AtomicInteger();
  private static final Duration PAUSE = Duration.ofMillis(25);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<PipelineClient> gateways = new ArrayList<>();
  private final List<Integer> dashboardPorts;
  private final String dashboardToken;
  private final Duration idempotencyWindow;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CallerLog log = new CallerLog();
  private final AtomicReferenceArray<String> recent = new AtomicReferenceArray<>(2048); // the last accepted ids, for Monitor
  private final AtomicInteger accepted = new AtomicInteger();
  private final Set<String> deadLetterJobs = ConcurrentHashMap.newKeySet();
  private final Set<String> replayed = new HashSet<>(); // refs the replayer has handled (its thread only)
  private final AtomicInteger keys = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final long seed;

  /**
   * @param gatewayPorts gRPC ports of the two replicas
   * @param dashboardPorts their dashboard ports (dead-letter Replay), in the same order
   * @param idempotencyWindow the gateways' {@code IDEMPOTENCY_WINDOW_MS}, to know a key's job ids before the call
   */
  public MixedLoad(List<Integer> gatewayPorts, List<Integer> dashboardPorts, String dashboardToken, Duration idempotencyWindow,
      int actors, long seed) {
    this.dashboardPorts = dashboardPorts;
    this.dashboardToken = dashboardToken;
    this.idempotencyWindow = idempotencyWindow;
    this.seed = seed;
    for (int port : gatewayPorts) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      channels.add(channel);
      gateways.add(new PipelineClient(channel, 30));
    }
    for (int i = 0; i < actors; i++) {
      Random random = new Random(seed * 31 + i);
      threads.add(Threads.daemon("mixed-load-" + i, () -> act(random)));
    }
    threads.add(Threads.daemon("mixed-load-replayer", this::replayDeadLetters));
    threads.add(Threads.daemon("mixed-load-pauser", this::pauseAndResumeATask));
    threads.add(Threads.daemon("mixed-load-operator", () -> operate(new Random(seed * 31 - 1))));
  }

  /** The schedule this load creates: a job every 2 s, owned by one replica at a time while faults hit. */
  public static final String SCHEDULE = "chaos-every-2s";
  public static final Duration SCHEDULE_EVERY = Duration.ofSeconds(2);
  /** The task paused for a while now and then. */
  private static final String PAUSED_TASK = "SYMBOL3";
  /** The task with a concurrency limit per worker, and a deadline that cuts its 6 s jobs short. */
  private static final String LIMITED_TASK = "SYMBOL2";
  private static final int LIMIT = 2;
  public static final Duration LIMITED_TASK_DEADLINE = Duration.ofSeconds(2);

  public MixedLoad start() throws InterruptedException {
    postToAReplica("/api/schedules", "{\"name\":\"" + SCHEDULE + "\",\"task\":\"SYMBOL3\",\"every\":\"" + SCHEDULE_EVERY
        + "\",\"ingest_type\":\"sleep=50\"}");
    log.scheduleCreated(SCHEDULE, SCHEDULE_EVERY, System.currentTimeMillis());
    // The deadline jobs' task runs at most LIMIT at once per worker (the CLI's `task limit`); bursts of them queue behind it.
    postToAReplica("/api/tasks/" + LIMITED_TASK + "/concurrency", "{\"concurrency\": " + LIMIT + "}");
    // Its jobs hold a slot until the deadline stops them (a run stopped sooner, handed back, writes no end of its own).
    log.taskLimited(LIMITED_TASK, LIMIT, System.currentTimeMillis(), LIMITED_TASK_DEADLINE.toMillis() - HistoryCheck.CLOCK_TOLERANCE_MS);
    threads.forEach(Thread::start);
    return this;
  }

  /**
   * Posts to a replica's dashboard API (the schedule, a task pause), trying the replicas in turn
   * for up to a minute: for idempotent calls only. Returns the answer's body.
   */
  private String postToAReplica(String path, String body) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    for (int attempt = 0; ; attempt++) {
      int port = dashboardPorts.get(attempt % dashboardPorts.size());
      try {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("X-Dashboard-Token", dashboardToken).header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          return answer.body();
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(path + " answered " + answer.statusCode() + ": " + answer.body());
        }
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(path + ": " + e, e);
        }
      }
      Thread.sleep(1000);
    }
  }

  public CallerLog log() {
    return log;
  }


  private void act(Random random) {
    while (running.get()) {
      PipelineClient gateway = gateways.get(random.nextInt(gateways.size()));
      int roll = random.nextInt(100);
      try {
        if (roll < 18) {
          submit(gateway, Feature.PLAIN, new JobRequest(taskenum.SYMBOL3, null, "sleep=50", null));
        } else if (roll < 21) {
          submitBulk(gateway);
        } else if (roll < 23) {
          submitBatch(gateway, random, "sleep=50");
        } else if (roll < 24) {
          cancelBatch(gateway, random);
        } else if (roll < 27) {
          submitDelayed(gateway, Feature.DELAYED, Duration.ofMillis(500 + random.nextInt(6000)));
        } else if (roll < 30) {
          cancelDelayedJob(gateway, Duration.ofMillis(random.nextInt(1000)));
        } else if (roll < 40) {
          followLongJob(gateway);
        } else if (roll < 55) {
          keyedRace();
        } else if (roll < 60) {
          for (int i = 0; i < 1 + LIMIT; i++) { // a burst: more than the limit, so some wait for a slot
            submit(gateway, Feature.DEADLINE, new JobRequest(taskenum.SYMBOL2, null, "sleep=6000", null));
          }
        } else if (roll < 70) {
          submit(gateway, Feature.FLAKY, new JobRequest(taskenum.SYMBOL3, null, "fail-first=1;sleep=50", null));
        } else if (roll < 76) {
          String id = submit(gateway, Feature.DEAD_LETTER, new JobRequest(taskenum.SYMBOL3, null, "fail-always=1", null));
          if (id != null) {
            deadLetterJobs.add(id);
          }
        } else if (roll < 82) {
          cancelLongJob(gateway, Feature.CANCEL_QUEUED, Duration.ZERO);
        } else if (roll < 88) {
          cancelLongJob(gateway, Feature.CANCEL_RUNNING, Duration.ofMillis(1500));
        } else {
          monitor(gateway, random);
        }
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Submits; returns the job id if accepted. */
  private String submit(PipelineClient gateway, Feature feature, JobRequest request) {
    return submit(gateway, feature, request, null);
  }

  /** Submits to run at {@code runAt} (null: at once); returns the job id if accepted. */
  private String submit(PipelineClient gateway, Feature feature, JobRequest request, Instant runAt) {
    try {
      String id = gateway.submit(request, null, runAt).jobId();
      accepted(feature, id);
      return id;
    } catch (RuntimeException e) {
      Answers.refusedOrInDoubt(log, feature, e);
      return null;
    }
  }

  /** A single job with priority bulk: it goes to the bulk input topic, behind interactive work. */
  private void submitBulk(PipelineClient gateway) {
    try {
      accepted(Feature.BULK, gateway.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=50", null), null, null, "bulk").jobId());
    } catch (RuntimeException e) {
      Answers.refusedOrInDoubt(log, Feature.BULK, e);
    }
  }

  /**
   * A batch of 5 to 60 jobs, a split range or a streamed list (in parts of up to 20), recorded with
   * how the call ended: accepted (every job counted as accepted), refused, or in doubt.
   *
   * @return the batch id if accepted
   */
  private String submitBatch(PipelineClient gateway, Random random, String script) {
    int size = 5 + random.nextInt(56);
    LocalDate start = LocalDate.of(2000, 1, 1).plusDays(random.nextInt(5000));
    boolean split = random.nextBoolean();
    BatchRequest first = BatchRequest.newBuilder().setTask("SYMBOL3").setIngest(null).setIngestType(script).setPriority(null)
        .setSplit(split ? new SplitRange(start.toString(), start.plusDays(size - 1L).toString(), 1) : null).setDateranges(List.of())
        .build();
    List<List<String>> parts = new ArrayList<>();
    for (int i = 0; !split && i < size; i++) {
      if (i % 10 == 0) {
        parts.add(new ArrayList<>());
      }
      parts.get(parts.size() - 1).add(start.plusDays(i).toString());
    }
    try {
      // Every third streamed batch of several parts is sent slowly (not left to chance: a short run must have some).
      boolean slow = !split && parts.size() > 1 && streamedBatches.getAndIncrement() % 3 == 0;
      BatchSummary answer = gateway.submitBatch(first, slow ? slowly(parts) : parts.iterator());
      if (slow) {
        log.slowBatchAccepted();
      }
      for (int i = 0; i < answer.getTotal(); i++) {
        accepted(Feature.BATCH, JobIds.forBatchEntry(answer.getBatchId(), i));
      }
      log.batch(new CallerLog.BatchCall(answer.getBatchId(), (int) answer.getTotal(), Answer.ACCEPTED));
      return answer.getBatchId();
    } catch (PipelineClientException e) {
      String named = e.status().getCode() == Status.Code.DEADLINE_EXCEEDED ? Answers.batchId(e) : null;
      boolean refused = named == null && (isGatewaysRefusal(e) || e.status().getCode() == Status.Code.INVALID_ARGUMENT);
      log.batch(new CallerLog.BatchCall(named, size, refused ? Answer.REFUSED : Answer.OUTCOME_UNKNOWN));
      log.refused(Feature.BATCH);
    } catch (RuntimeException e) {
      log.batch(new CallerLog.BatchCall(null, size, Answer.OUTCOME_UNKNOWN));
      log.refused(Feature.BATCH);
    }
    return null;
  }

  /** The parts of a streamed batch, one a second: a client on a slow link keeps the call open (issue 29, 3). */
  private static java.util.Iterator<List<String>> slowly(List<List<String>> parts) {
    java.util.Iterator<List<String>> each = parts.iterator();
    return new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        return each.hasNext();
      }

      @Override
      public List<String> next() {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return each.next();
      }
    };
  }

  /** A batch of 1 s jobs, cancelled after 0 to 2 s: its jobs not started then never start. */
  private void cancelBatch(PipelineClient gateway, Random random) throws InterruptedException {
    String batchId = submitBatch(gateway, random, "sleep=1000");
    if (batchId == null) {
      return;
    }
    Thread.sleep(random.nextInt(2000));
    try {
      BatchSummary answer = gateway.cancelBatch(batchId);
      log.batchCancelled(batchId, System.currentTimeMillis());
      log.endAnswer(new CallerLog.EndAnswer("cancelBatch", batchId, "total", answer.getTotal()));
    } catch (RuntimeException e) {
      // not acknowledged: nothing is checked of it
    }
  }

  private void accepted(Feature feature, String id) {
    log.accepted(feature, id);
    recent.set(accepted.getAndIncrement() % recent.length(), id);
  }

  /** A 4 s job followed on a stream from its Pending to its end (or until the gateway goes away). */
  private void followLongJob(PipelineClient gateway) {
    List<statusenum> seen = new ArrayList<>();
    String[] id = new String[1];
    try {
      gateway.submitAndFollow(new JobRequest(taskenum.SYMBOL1, null, "sleep=4000;progress=8", null), null, update -> {
        if (id[0] == null) {
          id[0] = update.jobId();
          accepted(Feature.LONG, update.jobId());
        }
        seen.add(update.status());
      });
      log.stream(new CallerLog.StreamSeen(id[0], List.copyOf(seen), true));
    } catch (RuntimeException e) {
      if (id[0] == null) {
        Answers.refusedOrInDoubt(log, Feature.LONG, e);
      } else {
        log.stream(new CallerLog.StreamSeen(id[0], List.copyOf(seen), false)); // broken off by a fault
      }
    }
  }

  /** One new idempotency key sent to both replicas at the same moment. */
  private void keyedRace() throws InterruptedException {
    String key = "chaos-" + seed + "-" + keys.incrementAndGet();
    long before = System.currentTimeMillis();
    List<CompletableFuture<Answer>> calls = new ArrayList<>();
    for (PipelineClient gateway : gateways) {
      calls.add(CompletableFuture.supplyAsync(() -> keyedCall(gateway, key)));
    }
    List<Answer> answers = calls.stream().map(CompletableFuture::join).toList();
    long after = System.currentTimeMillis();
    Set<String> candidates = new HashSet<>();
    for (long window = before / idempotencyWindow.toMillis() - 1; window <= after / idempotencyWindow.toMillis() + 1; window++) {
      candidates.add(JobIds.forIdempotencyKey(key, window));
    }
    log.race(new CallerLog.KeyedRace(key, candidates, answers));
  }

  private Answer keyedCall(PipelineClient gateway, String key) {
    try {
      accepted(Feature.KEYED_RACE, gateway.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=200", null), key).jobId());
      return Answer.ACCEPTED;
    } catch (PipelineClientException e) {
      if (Answers.refusedOrInDoubt(log, Feature.KEYED_RACE, e) != null || !isGatewaysRefusal(e)) {
        return Answer.OUTCOME_UNKNOWN;
      }
      return Answer.REFUSED;
    } catch (RuntimeException e) {
      log.refused(Feature.KEYED_RACE);
      return Answer.OUTCOME_UNKNOWN;
    }
  }

  /**
   * The gateway itself said "not accepted" (UNAVAILABLE with its reason). A call broken off by the
   * transport (a killed gateway) or by the client's deadline may have been accepted: unknown.
   */
  private static boolean isGatewaysRefusal(PipelineClientException e) {
    String description = e.status().getDescription();
    return e.status().getCode() == Status.Code.UNAVAILABLE && description != null && !description.contains("io exception")
        && !description.contains("Network closed") && !description.contains("Connection") && !description.contains("closed");
  }

  /** A short job to run after {@code delay}: it waits on the delayed topic, owned by one of the replicas, until then. */
  private String submitDelayed(PipelineClient gateway, Feature feature, Duration delay) {
    return submit(gateway, feature, new JobRequest(taskenum.SYMBOL3, null, "sleep=50", null), Instant.now().plus(delay));
  }

  /** A job delayed 5 s, cancelled after {@code wait}: before it is due, so an acknowledged cancel means it never runs. */
  private void cancelDelayedJob(PipelineClient gateway, Duration wait) throws InterruptedException {
    cancelAfter(gateway, submitDelayed(gateway, Feature.CANCEL_DELAYED, Duration.ofSeconds(5)), wait);
  }

  /** A 4 s job, cancelled after {@code wait} (zero: at once, usually before it starts). */
  private void cancelLongJob(PipelineClient gateway, Feature feature, Duration wait) throws InterruptedException {
    cancelAfter(gateway, submit(gateway, feature, new JobRequest(taskenum.SYMBOL1, null, "sleep=4000", null)), wait);
  }

  /** Cancels an accepted job ({@code id} null: it was not) after {@code wait}, noting an acknowledged cancel for the checker. */
  private void cancelAfter(PipelineClient gateway, String id, Duration wait) throws InterruptedException {
    if (id == null) {
      return;
    }
    Thread.sleep(wait.toMillis());
    try {
      JobUpdate answer = gateway.cancel(id);
      log.cancelAcknowledged(id, System.currentTimeMillis(), answer.status());
    } catch (RuntimeException e) {
      // not acknowledged: the cancel may or may not be on the topic, so nothing is checked of it
    }
  }

  private void monitor(PipelineClient gateway, Random random) {
    int known = Math.min(accepted.get(), recent.length());
    if (known == 0) {
      return;
    }
    String id = recent.get(random.nextInt(known));
    try {
      JobUpdate answer = gateway.monitor(id);
      log.monitor(new CallerLog.MonitorAnswer(id, answer.status()));
    } catch (PipelineClientException e) {
      if (e.status().getCode() == Status.Code.NOT_FOUND) {
        log.monitor(new CallerLog.MonitorAnswer(id, null));
      }
      // other failures (a gateway away) say nothing about the job
    } catch (RuntimeException e) {
      // the same
    }
  }

  /**
   * Every 10 s, {@value #PAUSED_TASK} (the task most features use: plain, bulk, batches, keyed,
   * flaky, failing, delayed jobs, schedule ticks) is paused for 3 s and resumed: its jobs are
   * parked meanwhile, and each must still end once; none may start between the pause's answer and
   * the resume call. While it is paused, a few jobs of it are submitted and cancelled (parked
   * jobs' cancels). It is always resumed, the run's end too.
   */
  private void pauseAndResumeATask() {
    Random random = new Random(seed * 31 - 2);
    try {
      while (running.get()) {
        Thread.sleep(7000);
        if (!running.get()) {
          return;
        }
        long called = System.currentTimeMillis();
        postToAReplica("/api/tasks/" + PAUSED_TASK + "/pause", "{}");
        log.taskPaused(PAUSED_TASK, called, System.currentTimeMillis());
        List<String> parked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          String id = submit(gateways.get(i % gateways.size()), Feature.CANCEL_PARKED, new JobRequest(taskenum.SYMBOL3, null, "sleep=50", null));
          if (id != null) {
            parked.add(id);
          }
        }
        Thread.sleep(1000); // a worker has read them and parked them by now
        // At once and not awaited before the resume: a cancel's answer may wait CANCEL_WAIT_MS (10 s) for a worker to act.
        List<CompletableFuture<Void>> cancels = new ArrayList<>();
        for (String id : parked) {
          PipelineClient gateway = gateways.get(random.nextInt(gateways.size()));
          cancels.add(CompletableFuture.runAsync(() -> {
            try {
              cancelAfter(gateway, id, Duration.ZERO);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }));
        }
        Thread.sleep(1500);
        called = System.currentTimeMillis();
        postToAReplica("/api/tasks/" + PAUSED_TASK + "/resume", "{}");
        log.taskResumed(PAUSED_TASK, called, System.currentTimeMillis());
        cancels.forEach(CompletableFuture::join);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An operator's turns, one every 8 s in rotation: a cancel-all of {@code SYMBOL1} jobs submitted
   * in the last seconds (among them 3 of its own, 4 s long), a replay-all of this load's dead
   * letters of the last minute (racing the replayer's single replays), and a pause of the
   * schedule for 5 s, then its resume.
   */
  private void operate(Random random) {
    try {
      for (int turn = 0; running.get(); turn++) {
        Thread.sleep(8000);
        if (!running.get()) {
          return;
        }
        try {
          switch (turn % 3) {
            case 0 -> cancelAll(random);
            case 1 -> replayAll(random);
            default -> pauseTheScheduleAWhile();
          }
        } catch (RuntimeException e) {
          System.err.println("chaos: operator turn failed: " + e); // the next turn goes on
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Pauses the schedule for 5 s and resumes it: no tick in between, and the next tick after. */
  private void pauseTheScheduleAWhile() throws InterruptedException {
    long called = System.currentTimeMillis();
    postToAReplica("/api/schedules/" + SCHEDULE + "/pause", "{}");
    log.schedulePaused(SCHEDULE, called, System.currentTimeMillis());
    Thread.sleep(5000);
    called = System.currentTimeMillis();
    postToAReplica("/api/schedules/" + SCHEDULE + "/resume", "{}");
    log.scheduleResumed(SCHEDULE, called, System.currentTimeMillis());
  }

  /** Cancel-all (POST /api/jobs/cancel, as the CLI's cancel-all) of SYMBOL1 jobs submitted since just before its own three. */
  private void cancelAll(Random random) {
    long since = System.currentTimeMillis() - 1;
    List<String> own = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = submit(gateways.get(i % gateways.size()), Feature.CANCEL_ALL, new JobRequest(taskenum.SYMBOL1, null, "sleep=4000", null));
      if (id != null) {
        own.add(id);
      }
    }
    long until = System.currentTimeMillis() + 1;
    com.fasterxml.jackson.databind.node.ObjectNode filter = json.createObjectNode().put("task", "SYMBOL1").put("since", since)
        .put("until", until);
    long called = System.currentTimeMillis();
    JsonNode answer = postOnce(random, "/api/jobs/cancel", filter.toString());
    if (answer == null) {
      return; // unknown: nothing is checked of it
    }
    long answered = System.currentTimeMillis();
    int matched = answer.get("matched").asInt();
    int requested = answer.get("cancel_requested").asInt();
    // Its own 4 s jobs cannot have ended before the call unless their submits took that long (a fault): then none is owed.
    List<String> owed = until - since < 2000 ? own : List.of();
    log.bulkAction(new CallerLog.BulkAction("bulk cancel", filter.toString(), "SYMBOL1", since, until, called, answered, matched,
        List.of((long) requested, (long) matched), owed));
    if (requested == matched && !answer.get("more").asBoolean()) {
      own.forEach(id -> log.cancelAcknowledged(id, answered)); // each cancel was on Kafka before the answer
    }
  }

  /** Replay-all (POST /api/dead-letters/replay, as the CLI's dlt replay-all) of SYMBOL3 dead letters of the last minute. */
  private void replayAll(Random random) {
    long until = System.currentTimeMillis();
    com.fasterxml.jackson.databind.node.ObjectNode filter = json.createObjectNode().put("task", "SYMBOL3").put("since", until - 60_000)
        .put("until", until);
    long called = System.currentTimeMillis();
    JsonNode answer = postOnce(random, "/api/dead-letters/replay", filter.toString());
    if (answer == null) {
      return;
    }
    List<String> jobs = new ArrayList<>();
    answer.get("jobs").forEach(id -> jobs.add(id.asText()));
    jobs.forEach(id -> accepted(Feature.REPLAY_ALL, id));
    log.bulkAction(new CallerLog.BulkAction("bulk replay", filter.toString(), "SYMBOL3", until - 60_000, until, called,
        System.currentTimeMillis(), answer.get("matched").asInt(),
        List.of(answer.get("replayed").asLong(), answer.get("matched").asLong(), answer.get("already_handled").asLong()), jobs));
  }

  /** One POST to a random replica's dashboard API, not retried (a bulk action may have happened); its answer, or null. */
  private JsonNode postOnce(Random random, String path, String body) {
    int port = dashboardPorts.get(random.nextInt(dashboardPorts.size()));
    try {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("X-Dashboard-Token", dashboardToken).header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() == 200 ? json.readTree(answer.body()) : null;
    } catch (java.io.IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Every 2 s: each new dead letter of this load's failing jobs is replayed three times at once, on both replicas. */
  private void replayDeadLetters() {
    while (running.get()) {
      try {
        Thread.sleep(2000);
        for (JsonNode letter : deadLetters()) {
          String ref = letter.get("ref").asText();
          if (!"dead".equals(letter.get("state").asText()) || !deadLetterJobs.contains(letter.get("key").asText()) || !replayed.add(ref)) {
            continue;
          }
          List<CompletableFuture<Void>> calls = new ArrayList<>();
          for (int port : List.of(dashboardPorts.get(0), dashboardPorts.get(1), dashboardPorts.get(0))) {
            calls.add(replay(port, ref));
          }
          calls.forEach(CompletableFuture::join);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a gateway is away: the next round tries again
      }
    }
  }

  private List<JsonNode> deadLetters() {
    List<JsonNode> letters = new ArrayList<>();
    for (int port : dashboardPorts) {
      try {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/dead-letters"))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          json.readTree(answer.body()).get("dead_letters").forEach(letters::add);
          return letters;
        }
      } catch (Exception e) {
        // this replica is away: ask the other
      }
    }
    return letters;
  }

  private CompletableFuture<Void> replay(int port, String ref) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/dead-letters/" + ref + "/replay"))
        .header("X-Dashboard-Token", dashboardToken).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((answer, error) -> {
      String replayedAs = null;
      if (error == null && answer.statusCode() == 200) {
        try {
          replayedAs = json.readTree(answer.body()).get("replayed_as").asText();
          accepted(Feature.REPLAY, replayedAs);
        } catch (Exception e) {
          // unreadable answer: counted as not replayed
        }
      }
      log.replay(ref, replayedAs);
      return null;
    });
  }

  /** Stops the actors and waits for the calls in flight; the channels stay open for {@link #askAtTheEnd}. */
  public void stop() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(Duration.ofSeconds(90).toMillis());
    }
    long called = System.currentTimeMillis(); // after the operator stopped: its own pause and resume are done
    postToAReplica("/api/schedules/" + SCHEDULE + "/pause", "{}");
    log.schedulePaused(SCHEDULE, called, System.currentTimeMillis());
    log.loadEnded(System.currentTimeMillis());
    postToAReplica("/api/tasks/" + PAUSED_TASK + "/resume", "{}"); // whatever the pauser managed: its parked jobs must run
  }

  /**
   * Once the pipeline settled: asks each replica the read calls whose answers come from its status
   * view, about a sample of recent work (the last batches, jobs and streams: older ones retention
   * may have forgotten), for the checker to hold against the final topics.
   */
  public void askAtTheEnd() {
    for (PipelineClient gateway : gateways) {
      List<CallerLog.BatchCall> batches = log.batches().stream().filter(b -> b.answer() == Answer.ACCEPTED).toList();
      for (CallerLog.BatchCall batch : batches.subList(Math.max(0, batches.size() - 3), batches.size())) {
        ask(() -> {
          BatchSummary summary = gateway.batchStatus(batch.batchId());
          for (String[] count : new String[][] {{"total", "" + summary.getTotal()}, {"Pending", "" + summary.getPending()},
              {"Processing", "" + summary.getProcessing()}, {"Success", "" + summary.getSuccess()}, {"Error", "" + summary.getError()}}) {
            log.endAnswer(new CallerLog.EndAnswer("batchStatus", batch.batchId(), count[0], Long.parseLong(count[1])));
          }
          String after = null;
          do {
            var page = gateway.batchJobs(batch.batchId(), after, 100);
            page.getJobs().forEach(job -> log.endAnswer(new CallerLog.EndAnswer("batchJobs", job.getJobId(), job.getStatus(), -1)));
            after = page.getNext();
          } while (after != null);
        });
      }
      int known = Math.min(accepted.get(), recent.length());
      for (int i = 1; i <= Math.min(10, known); i++) {
        String id = recent.get(Math.floorMod(accepted.get() - i, recent.length()));
        ask(() -> {
          var outputs = gateway.jobOutputs(id);
          log.endAnswer(new CallerLog.EndAnswer("jobOutputs", id, outputs.getStatus(), outputs.getOutputs().size()));
        });
      }
      List<CallerLog.StreamSeen> streams = log.streams();
      for (CallerLog.StreamSeen stream : streams.subList(Math.max(0, streams.size() - 3), streams.size())) {
        ask(() -> {
          var last = gateway.followWithProgress(stream.jobId(), update -> {});
          log.endAnswer(new CallerLog.EndAnswer("progress", stream.jobId(), last.status().name(), last.done() == null ? -1 : last.done()));
        });
      }
    }
    for (int port : dashboardPorts) {
      ask(() -> {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs?limit=100"))
            .header("X-Dashboard-Token", dashboardToken).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          json.readTree(answer.body()).get("jobs").forEach(job -> log.endAnswer(
              new CallerLog.EndAnswer("ListJobs", job.get("job_id").asText(), job.get("status").asText(), -1)));
        }
      });
    }
  }

  private interface Call {
    void run() throws Exception;
  }

  /** One read call at the end; a failure (NOT_FOUND of a forgotten job, a replica away) records nothing. */
  private static void ask(Call call) {
    try {
      call.run();
    } catch (Exception e) {
      // nothing to hold against the topics
    }
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
