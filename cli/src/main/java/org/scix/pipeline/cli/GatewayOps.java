package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Option;

/** The gateway's ops port, where job queries are served (ListJobs, a job's history). */
final class GatewayOps {
  @Option(names = "--ops", description = "The gateway's ops URL (default ${DEFAULT-VALUE}, or $GATEWAY_OPS_URL).",
      defaultValue = "${env:GATEWAY_OPS_URL:-http://localhost:9464}")
  String url;

  /** GETs {@code path}; returns the JSON answer of a 2xx or 404, else throws with what to do. */
  JsonNode get(String path) throws GatewayHttp.Failed, InterruptedException {
    return new GatewayHttp(url, "the gateway's ops port",
        "Point --ops or GATEWAY_OPS_URL at a gateway's GATEWAY_OPS_PORT, or read the status topic with --from-topic", null)
        .get(path, true);
  }
}
