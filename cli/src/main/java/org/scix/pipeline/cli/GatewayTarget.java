package org.scix.pipeline.cli;

import picocli.CommandLine.Option;

/** Where the gateway is, for client commands. */
final class GatewayTarget {
  @Option(names = "--target", description = "Gateway host:port (default ${DEFAULT-VALUE}, or $GATEWAY_TARGET).",
      defaultValue = "${env:GATEWAY_TARGET:-localhost:50051}")
  String target;
}
