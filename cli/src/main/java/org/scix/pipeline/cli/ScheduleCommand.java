package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Schedules, through the gateway's dashboard API: list, create, pause, resume, delete. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = "Schedules: list | create NAME --task T (--cron EXPR | --every DURATION) [...] | pause NAME | resume NAME | delete NAME.")
final class ScheduleCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ACTION", description = "list, create, pause, resume or delete")
  String action;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "the schedule's name")
  String name;

  @Option(names = "--task", description = "create: SYMBOL1, SYMBOL2 or SYMBOL3.")
  String task;

  @Option(names = "--cron", description = "create: five fields, minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\".")
  String cron;

  @Option(names = "--every", description = "create: an ISO-8601 duration between ticks, e.g. PT1H (instead of --cron).")
  String every;

  @Option(names = "--zone", description = "create: the cron's time zone (default UTC).")
  String zone;

  @Option(names = "--daterange", description = "create: the jobs' daterange; {tick} is the tick's day, {tick-1} the day before, e.g. {tick-1}.")
  String daterange;

  @Option(names = "--ingest", arity = "1", description = "create: true or false.")
  Boolean ingest;

  @Option(names = "--ingest-type", description = "create: the jobs' ingest_type.")
  String ingestType;

  @Option(names = "--catch-up", description = "create: all (run each tick missed during an outage, up to --max-catch-up) or skip.")
  String catchUp;

  @Option(names = "--priority", description = "create: bulk (the default: behind interactive jobs) or interactive.")
  String priority;

  @Option(names = "--max-catch-up", description = "create: the most missed ticks run after an outage (default 100).")
  Integer maxCatchUp;

  @Mixin
  DashboardTarget dashboardTarget;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    boolean needsName = !action.equals("list");
    if (!List.of("list", "create", "pause", "resume", "delete").contains(action) || needsName == (name == null)) {
      System.err.println("usage: ./pipeline schedule list | create NAME --task T (--cron EXPR | --every DURATION) | pause NAME | resume NAME"
          + " | delete NAME");
      return 2;
    }
    GatewayHttp dashboard = dashboardTarget.http();
    try {
      switch (action) {
        case "list" -> {
          for (JsonNode schedule : dashboard.get("/api/schedules", false).get("schedules")) {
            System.out.println(schedule);
          }
        }
        case "create" -> System.out.println(dashboard.post("/api/schedules", json.writeValueAsString(spec())).toPrettyString());
        default -> System.out.println(dashboard.post("/api/schedules/" + name + "/" + action).toPrettyString());
      }
      return 0;
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
  }

  /** The schedule as the API takes it; the gateway checks it and names a wrong field. */
  private ObjectNode spec() {
    ObjectNode spec = json.createObjectNode().put("name", name).put("task", task).put("cron", cron).put("every", every)
        .put("zone", zone).put("daterange", daterange).put("ingest_type", ingestType).put("catch_up", catchUp)
        .put("priority", priority);
    if (ingest != null) {
      spec.put("ingest", ingest);
    }
    if (maxCatchUp != null) {
      spec.put("max_catch_up", maxCatchUp);
    }
    return spec;
  }
}
