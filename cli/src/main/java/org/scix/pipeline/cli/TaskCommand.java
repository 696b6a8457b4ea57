package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Tasks, through the gateway's dashboard API: list, pause, resume, limit. */
@Command(name = "task", mixinStandardHelpOptions = true,
    description = "Tasks: list | pause TASK | resume TASK | limit TASK N|none. A paused task's jobs wait (parked in Kafka) until it is"
        + " resumed; running ones finish. A limit caps the task's jobs running at once on each worker.")
final class TaskCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ACTION", description = "list, pause, resume or limit")
  String action;

  @Parameters(index = "1", arity = "0..1", paramLabel = "TASK", description = "SYMBOL1, SYMBOL2 or SYMBOL3")
  String task;

  @Parameters(index = "2", arity = "0..1", paramLabel = "LIMIT", description = "limit: the most jobs of TASK at once per worker, or none")
  String limit;

  @Mixin
  DashboardTarget dashboardTarget;

  @Override
  public Integer call() throws Exception {
    boolean needsTask = !action.equals("list");
    if (!List.of("list", "pause", "resume", "limit").contains(action) || needsTask == (task == null)
        || action.equals("limit") == (limit == null)) {
      System.err.println("usage: ./pipeline task list | pause TASK | resume TASK | limit TASK N|none");
      return 2;
    }
    GatewayHttp dashboard = dashboardTarget.http();
    try {
      if (action.equals("list")) {
        for (JsonNode listed : dashboard.get("/api/tasks", false).get("tasks")) {
          System.out.println(listed);
        }
      } else if (action.equals("limit")) {
        String value = limit.equals("none") ? "null" : limit;
        System.out.println(dashboard.post("/api/tasks/" + task + "/concurrency", "{\"concurrency\": " + value + "}").toPrettyString());
      } else {
        System.out.println(dashboard.post("/api/tasks/" + task + "/" + action).toPrettyString());
      }
      return 0;
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
  }
}
