package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The CLI's one HTTP client for a gateway's JSON endpoints (the ops port's job queries, the
 * dashboard's API): sends, reads the JSON answer, and turns every failure into a message that says
 * what to do and an exit code ({@link #UNREACHABLE} when no gateway answered as one).
 */
final class GatewayHttp {
  /** Exit code when no gateway answers at the address (or what answers is not one). */
  static final int UNREACHABLE = 3;
  /** Exit code when the gateway answered and refused. */
  static final int REFUSED = 1;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final String what;
  private final String whereToPoint;
  private final String token;

  /**
   * @param what what is expected at {@code baseUrl}, for messages ("the gateway's ops port")
   * @param whereToPoint how to point the CLI elsewhere, for messages ("Point --ops or GATEWAY_OPS_URL at a gateway")
   * @param token sent as {@code X-Dashboard-Token} when not blank
   */
  GatewayHttp(String baseUrl, String what, String whereToPoint, String token) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    this.what = what;
    this.whereToPoint = whereToPoint;
    this.token = token;
  }

  /** GETs {@code path}; a 2xx answer, or a 404's body when {@code notFoundIsAnAnswer}. */
  JsonNode get(String path, boolean notFoundIsAnAnswer) throws Failed, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET(), notFoundIsAnAnswer);
  }

  /** POSTs an empty JSON object to {@code path}; the 2xx answer. */
  JsonNode post(String path) throws Failed, InterruptedException {
    return post(path, "{}");
  }

  /** POSTs {@code json} to {@code path}; the 2xx answer. */
  JsonNode post(String path, String json) throws Failed, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).POST(HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json"), false);
  }

  private JsonNode send(HttpRequest.Builder request, boolean notFoundIsAnAnswer) throws Failed, InterruptedException {
    if (token != null && !token.isBlank()) {
      request.header("X-Dashboard-Token", token);
    }
    request.header("X-Operator", System.getProperty("user.name", "unknown") + " (cli)"); // who, in the gateway's audit log
    HttpResponse<String> response;
    try {
      response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Failed("cannot reach " + what + " at " + baseUrl + " (" + e.getClass().getSimpleName() + "): is `./pipeline up` running? "
          + whereToPoint, UNREACHABLE);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new Failed("the service at " + baseUrl + " is not " + what + " (answer " + response.statusCode() + " is not JSON); "
          + whereToPoint, UNREACHABLE);
    }
    int status = response.statusCode();
    if (status / 100 == 2 || (status == 404 && notFoundIsAnAnswer)) {
      return body;
    }
    String hint = status == 401 ? " (set DASHBOARD_TOKEN or --token)" : "";
    throw new Failed("the gateway at " + baseUrl + " answered " + status + ": " + body.path("error").asText(response.body()) + hint,
        REFUSED);
  }

  /** A call that got no usable answer; the message says what to do. */
  static final class Failed extends Exception {
    final int exitCode;

    Failed(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }
  }
}
