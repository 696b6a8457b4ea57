package org.scix.pipeline.cli;

import picocli.CommandLine.Option;

/** Where the gateway's dashboard API is and its token: for the commands that act through it (dlt, schedule). */
final class DashboardTarget {
  @Option(names = "--dashboard", defaultValue = "${env:DASHBOARD_URL:-http://localhost:8088}",
      description = "The gateway's dashboard (default ${DEFAULT-VALUE}, or $DASHBOARD_URL).")
  String url;

  @Option(names = "--token", defaultValue = "${env:DASHBOARD_TOKEN}", description = "The dashboard token (default $DASHBOARD_TOKEN); actions need it.")
  String token;

  GatewayHttp http() {
    return new GatewayHttp(url, "the gateway's dashboard", "Point --dashboard or DASHBOARD_URL at it", token);
  }
}
