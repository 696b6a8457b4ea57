package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The gateway's ops port, where job queries are served (ListJobs, a job's history). */
final class GatewayOps {
  /** Exit code when the gateway cannot be reached or answers with an error. */
  static final int UNREACHABLE = 3;

  @Option(names = "--ops", description = "The gateway's ops URL (default ${DEFAULT-VALUE}, or $GATEWAY_OPS_URL).",
      defaultValue = "${env:GATEWAY_OPS_URL:-http://localhost:9464}")
  String url;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final ObjectMapper json = new ObjectMapper();

  /** GETs {@code path}; returns the JSON answer of a 2xx or 404, else throws with what to do. */
  JsonNode get(String path) throws QueryFailedException, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path)).timeout(Duration.ofSeconds(15)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new QueryFailedException("cannot reach the gateway's ops port at " + url + " (" + e.getClass().getSimpleName()
          + "): is `./pipeline up` running? Point --ops or GATEWAY_OPS_URL at a gateway, or read the status topic with --from-topic");
    }
    try {
      JsonNode body = json.readTree(response.body());
      if (response.statusCode() / 100 == 2 || response.statusCode() == 404) {
        return body;
      }
      throw new QueryFailedException("the gateway at " + url + " answered " + response.statusCode() + ": "
          + (body.hasNonNull("error") ? body.get("error").asText() : response.body()));
    } catch (IOException e) {
      throw new QueryFailedException("the service at " + url + " is not a gateway's ops port (answer " + response.statusCode()
          + " is not JSON); point --ops at GATEWAY_OPS_PORT of a gateway");
    }
  }

  static final class QueryFailedException extends Exception {
    QueryFailedException(String message) {
      super(message);
    }
  }
}
