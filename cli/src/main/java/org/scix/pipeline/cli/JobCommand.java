package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "job", mixinStandardHelpOptions = true, description = "Show one job's history (each status with its time, attempts, worker, error reason, trace id), "
    + "as the gateway knows it.")
final class JobCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB_ID")
  String jobId;

  @Option(names = "--json", description = "Print the gateway's JSON answer as it is.")
  boolean asJson;

  @Option(names = "--outputs", description = "Print the job's output records (decoded JSON, one per line, in the order the task emitted "
      + "them), read where its Success says they are.")
  boolean outputs;

  @Mixin
  GatewayOps ops;

  @Override
  public Integer call() throws Exception {
    JsonNode answer;
    try {
      if (outputs) {
        return printOutputs(ops.get("/jobs/" + jobId + "/outputs"));
      }
      answer = ops.get("/jobs/" + jobId);
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
    if (!answer.has("job")) {
      System.err.println("error: " + answer.path("error").asText("job not found"));
      return 1;
    }
    if (asJson) {
      System.out.println(answer.toPrettyString());
      return 0;
    }
    JsonNode job = answer.get("job");
    System.out.printf("job      %s%n", job.get("job_id").asText());
    System.out.printf("task     %s%n", job.path("task").asText("-"));
    System.out.printf("status   %s (attempts %d, worker %s)%n", job.get("status").asText(), job.get("attempts").asInt(),
        job.path("worker").asText("-"));
    if (job.hasNonNull("trace_id")) {
      System.out.printf("trace    %s%n", job.get("trace_id").asText());
    }
    for (JsonNode change : job.get("history")) {
      boolean ended = change.get("status").asText().equals("Error");
      System.out.printf("  %-26s %-10s %s%n", change.get("time").asText(), change.get("status").asText(),
          ended ? job.path("error_reason").asText("") : "");
    }
    return 0;
  }

  private int printOutputs(JsonNode answer) {
    if (asJson) {
      System.out.println(answer.toPrettyString());
    } else {
      answer.path("outputs").forEach(output -> System.out.println(output.get("value").toString()));
    }
    if (answer.hasNonNull("missing")) {
      System.err.println("note: " + answer.get("missing").asText());
      return answer.path("outputs").isEmpty() ? 1 : 0;
    }
    return 0;
  }
}
