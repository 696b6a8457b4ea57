package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The audit list: what operators did, newest first (through the gateway's dashboard API). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "What operators did (pauses, limits, bulk actions, replays, cancels), newest first.")
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--limit", defaultValue = "50", description = "At most this many entries (1 to 500; default ${DEFAULT-VALUE}).")
  int limit;

  @Mixin
  DashboardTarget dashboardTarget;

  @Override
  public Integer call() throws Exception {
    try {
      for (JsonNode entry : dashboardTarget.http().get("/api/audit?limit=" + limit, false).get("entries")) {
        System.out.println(entry);
      }
      return 0;
    } catch (GatewayHttp.Failed e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode;
    }
  }
}
