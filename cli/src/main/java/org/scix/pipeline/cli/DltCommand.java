package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The dead-letter topic, through the gateway's dashboard API, so the CLI and the dashboard act the
 * same way (a replay is a new job recording which job it replays, written with its marker in one
 * transaction; discard marks the record dealt with).
 */
@Command(name = "dlt", mixinStandardHelpOptions = true, description = "Dead letters: list | show REF | replay REF | discard REF"
    + " | replay-all [--task T] [--reason TEXT] [--since PT1H|INSTANT] (through the gateway's dashboard API).")
final class DltCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ACTION", description = "list, show, replay or discard")
  String action;

  @Parameters(index = "1", arity = "0..1", paramLabel = "REF", description = "a dead letter's ref (partition-offset), from `dlt list`")
  String ref;

  @Option(names = "--task", description = "replay-all: only dead letters of this task.")
  String task;

  @Option(names = "--reason", description = "replay-all: only those whose reason contains this text.")
  String reason;

  @Option(names = "--since", description = "replay-all: only those dead-lettered since then: a duration back (PT1H) or an instant.")
  String since;

  @Mixin
  DashboardTarget dashboardTarget;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    boolean needsRef = !action.equals("list") && !action.equals("replay-all");
    if (!List.of("list", "show", "replay", "discard", "replay-all").contains(action) || needsRef == (ref == null)) {
      System.err.println("usage: ./pipeline dlt list | show REF | replay REF | discard REF | replay-all [--task T] [--reason TEXT] [--since PT1H]");
      return 2;
    }
    GatewayHttp dashboard = dashboardTarget.http();
    try {
      switch (action) {
        case "list" -> {
          for (JsonNode letter : dashboard.get("/api/dead-letters", false).get("dead_letters")) {
            System.out.println(json.createObjectNode().put("ref", letter.get("ref").asText()).put("job", letter.path("key").asText(null))
                .put("state", letter.get("state").asText()).put("reason", letter.get("reasons").path("dlt.reason").asText(null)));
          }
        }
        case "show" -> System.out.println(dashboard.get("/api/dead-letters/" + ref, false).toPrettyString());
        case "replay-all" -> System.out.println(dashboard.post("/api/dead-letters/replay", json.createObjectNode()
            .put("task", task).put("reason", reason).put("since", Since.instant(since)).toString()).toPrettyString());
        default -> System.out.println(dashboard.post("/api/dead-letters/" + ref + "/" + action).toPrettyString());
      }
      return 0;
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
  }
}
