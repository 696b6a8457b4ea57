package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Cancels every unfinished job matching a filter, as one action (through the gateway's dashboard API). */
@Command(name = "cancel-all", mixinStandardHelpOptions = true,
    description = "Cancels every Pending or Processing job matching --task, --status and --since (one of --task or --since is needed); prints how many.")
final class CancelAllCommand implements Callable<Integer> {
  @Option(names = "--task", description = "Only jobs of this task.")
  String task;

  @Option(names = "--status", split = ",", description = "Pending, Processing or both (default both).")
  List<String> status;

  @Option(names = "--since", description = "Only jobs submitted since then: a duration back (PT1H) or an instant.")
  String since;

  @Mixin
  DashboardTarget dashboardTarget;

  @Override
  public Integer call() throws Exception {
    ObjectNode filter = new ObjectMapper().createObjectNode().put("task", task).put("since", Since.instant(since));
    if (status != null) {
      ArrayNode states = filter.putArray("status");
      status.forEach(states::add);
    }
    try {
      System.out.println(dashboardTarget.http().post("/api/jobs/cancel", filter.toString()).toPrettyString());
      return 0;
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
  }
}
