package org.scix.pipeline.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job; print its id (and, with --follow, each status).")
final class SubmitCommand implements Callable<Integer> {
  @Mixin GatewayTarget gateway;

  @Option(names = "--task", required = true, description = "SYMBOL1, SYMBOL2 or SYMBOL3.")
  taskenum task;

  @Option(names = "--ingest", arity = "1", description = "true or false.")
  Boolean ingest;

  @Option(names = "--ingest-type")
  String ingestType;

  @Option(names = "--daterange", description = "YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD (default today).")
  String daterange;

  @Option(names = "--follow", description = "Print each status until Success (exit 0) or Error (exit 1).")
  boolean follow;

  @Option(names = "--count", defaultValue = "1", description = "Submit this many jobs concurrently and print a summary.")
  int count;

  @Option(names = "--idempotency-key", description = "Resubmitting with the same key returns the same job.")
  String idempotencyKey;

  @Option(names = "--at", description = "Run the job at this time (ISO-8601 instant, e.g. 2026-12-04T02:00:00Z); it stays Pending until then.")
  Instant at;

  @Option(names = "--in", description = "Run the job after this long (ISO-8601 duration or e.g. 90s, 10m, 2h); it stays Pending until then.")
  String in;

  @Option(names = "--priority", description = "interactive (the default: workers start it ahead of bulk work) or bulk.")
  String priority;

  @Spec
  CommandSpec spec;

  private Instant runAt; // from --at or --in; null: at once

  @Override
  public Integer call() throws Exception {
    if (at != null && in != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give --at or --in, not both");
    }
    runAt = at != null ? at : in != null ? Instant.now().plus(duration(in)) : null;
    JobRequest request = new JobRequest(task, ingest, ingestType, daterange != null ? daterange : LocalDate.now().toString());
    try (PipelineClient client = PipelineClient.connect(gateway.target)) {
      if (count <= 1) {
        return single(client, request);
      }
      return many(client, request);
    }
  }

  private int single(PipelineClient client, JobRequest request) {
    try {
      if (!follow) {
        System.out.println(client.submit(request, idempotencyKey, runAt, priority).jobId());
        return 0;
      }
      JobUpdate last = submitAndFollow(client, request, idempotencyKey, u -> System.out.println(u.jobId() + " " + u.status()));
      return last.status() == statusenum.Success ? 0 : 1;
    } catch (PipelineClientException e) {
      CliErrors.Explained explained = CliErrors.explain(e, gateway.target);
      System.err.println("error: " + explained.message());
      return explained.exitCode();
    }
  }

  /** A delayed or prioritized job is followed from its Pending answer (the stream starts once it is accepted). */
  private JobUpdate submitAndFollow(PipelineClient client, JobRequest request, String key, java.util.function.Consumer<JobUpdate> onUpdate) {
    if (runAt == null && priority == null) {
      return client.submitAndFollow(request, key, onUpdate);
    }
    JobUpdate pending = client.submit(request, key, runAt, priority);
    onUpdate.accept(pending);
    return client.follow(pending.jobId(), onUpdate);
  }

  /** "90s", "10m", "2h", "1d" or an ISO-8601 duration ("PT90S"). */
  private Duration duration(String text) {
    try {
      String t = text.trim().toLowerCase(java.util.Locale.ROOT);
      if (t.matches("\\d+[smhd]")) {
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--in: not a duration: '" + text + "' (use e.g. 90s, 10m, 2h or PT90S)");
    }
  }

  private int many(PipelineClient client, JobRequest request) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(count, 64));
    long start = System.nanoTime();
    List<Future<JobUpdate>> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = idempotencyKey == null ? null : idempotencyKey + "-" + i;
      results.add(pool.submit(() -> follow ? submitAndFollow(client, request, key, u -> { }) : client.submit(request, key, runAt, priority)));
    }
    Map<statusenum, Integer> byStatus = new EnumMap<>(statusenum.class);
    int failedCalls = 0;
    for (Future<JobUpdate> result : results) {
      try {
        JobUpdate update = result.get();
        System.out.println(update.jobId() + " " + update.status());
        byStatus.merge(update.status(), 1, Integer::sum);
      } catch (ExecutionException e) {
        failedCalls++;
        System.err.println("error: " + e.getCause().getMessage());
      }
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("submitted %d job(s) in %.2f s: %s, %d call(s) failed%n", count, seconds, byStatus, failedCalls);
    return failedCalls == 0 && (!follow || byStatus.getOrDefault(statusenum.Error, 0) == 0) ? 0 : 1;
  }
}
