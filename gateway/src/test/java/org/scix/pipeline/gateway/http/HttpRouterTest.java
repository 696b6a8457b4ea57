package org.scix.pipeline.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.gateway.errors.ConflictException;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;

/** The route table answers as the dashboard and the ops port rely on: routes, 404/405, errors mapped once, the guard first. */
class HttpRouterTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    HttpRouter router = new HttpRouter((exchange, action) -> exchange.getRequestURI().getPath().startsWith("/api/secret")
        ? Optional.of(new Reply(401, Json.error("token needed"))) : Optional.empty())
        .get("/api/things/([0-9]+)", request -> Reply.ok(Json.object().put("id", request.path(1)).put("q", request.param("q").orElse("-"))))
        .post("/api/things/([0-9]+)/poke", request -> new Reply(202, Json.object().put("poked", request.path(1))))
        .get("/api/bad", request -> {
          throw new InvalidRequestException("limit must be a number");
        })
        .get("/api/missing", request -> {
          throw new NotFoundException("no job x");
        })
        .post("/api/done", request -> {
          throw new ConflictException("already ended");
        })
        .get("/api/slow", request -> {
          throw new TimeoutException();
        })
        .get("/api/bug", request -> {
          throw new IllegalStateException("a bug");
        })
        .get("/api/secret", request -> Reply.ok(Json.object()));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/", router);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aRouteGetsItsPathGroupsAndQuery() throws Exception {
    HttpResponse<String> answer = get("/api/things/42?q=a%20b");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"id\":\"42\",\"q\":\"a b\"}");
    assertThat(answer.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(post("/api/things/7/poke").statusCode()).isEqualTo(202);
  }

  @Test
  void anUnknownPathIs404AndAKnownPathWithAnotherMethodIs405() throws Exception {
    assertThat(get("/api/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> wrongMethod = post("/api/things/42");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
  }

  @Test
  void theGatewaysExceptionsMapToTheirStatusesAndABugTo500WithAReference() throws Exception {
    assertThat(get("/api/bad").statusCode()).isEqualTo(400);
    assertThat(get("/api/missing").statusCode()).isEqualTo(404);
    assertThat(post("/api/done").statusCode()).isEqualTo(409);
    assertThat(get("/api/slow").statusCode()).isEqualTo(504);
    HttpResponse<String> bug = get("/api/bug");
    assertThat(bug.statusCode()).isEqualTo(500);
    assertThat(bug.body()).contains("internal error, reference").doesNotContain("a bug");
  }

  @Test
  void theGuardAnswersBeforeAnyRoute() throws Exception {
    assertThat(get("/api/secret").statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }
}
