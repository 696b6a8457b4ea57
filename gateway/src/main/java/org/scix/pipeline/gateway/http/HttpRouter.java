package org.scix.pipeline.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table of routes: method + path pattern -> handler. A JSON handler returns what to send; a
 * stream handler takes the exchange over (server-sent events, static files). The router answers
 * 404 for an unknown path, 405 (with Allow) for a known path and another method, and maps every
 * exception through {@link HttpErrors}. An optional guard may refuse a request before any route runs.
 */
public final class HttpRouter implements HttpHandler {
  /** A request as a handler sees it: the path's captured groups and the query parameters. */
  public record Request(HttpExchange exchange, List<String> path, Map<String, String> query) {
    public static final String OPERATOR = "X-Operator";

    public String path(int group) {
      return path.get(group - 1);
    }

    public Optional<String> param(String name) {
      return Optional.ofNullable(query.get(name)).filter(v -> !v.isBlank());
    }

    /**
     * Who asks, for the audit log: the {@value #OPERATOR} header (a name the caller gives: the CLI
     * sends the user's), else {@code fallback}. Trimmed to 64 printable characters.
     */
    public String operator(String fallback) {
      String given = exchange.getRequestHeaders().getFirst(OPERATOR);
      String cleaned = given == null ? "" : given.replaceAll("[^\\x20-\\x7e]", "").strip();
      return cleaned.isEmpty() ? fallback : cleaned.substring(0, Math.min(64, cleaned.length()));
    }
  }

  /** An answer: a status and a JSON body. */
  public record Reply(int status, Object body) {
    public static Reply ok(Object body) {
      return new Reply(200, body);
    }
  }

  @FunctionalInterface
  public interface JsonHandler {
    Reply handle(Request request) throws Exception;
  }

  @FunctionalInterface
  public interface StreamHandler {
    /** Writes the whole answer itself; the router closes the exchange after. */
    void handle(Request request) throws IOException;
  }

  /** Refuses a request (with its answer) before it is routed, or lets it through (empty). */
  @FunctionalInterface
  public interface Guard {
    Optional<Reply> check(HttpExchange exchange, boolean action);
  }

  private record Route(String method, Pattern path, JsonHandler json, StreamHandler stream) {}

  private final List<Route> routes = new ArrayList<>();
  private final Guard guard;

  public HttpRouter() {
    this((exchange, action) -> Optional.empty());
  }

  public HttpRouter(Guard guard) {
    this.guard = guard;
  }

  /** A read: {@code path} is a regular expression over the whole path; its groups are the handler's path parameters. */
  public HttpRouter get(String path, JsonHandler handler) {
    routes.add(new Route("GET", Pattern.compile(path), handler, null));
    return this;
  }

  /** An action. */
  public HttpRouter post(String path, JsonHandler handler) {
    routes.add(new Route("POST", Pattern.compile(path), handler, null));
    return this;
  }

  /** A read that writes its own answer. */
  public HttpRouter stream(String path, StreamHandler handler) {
    routes.add(new Route("GET", Pattern.compile(path), null, handler));
    return this;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      Optional<Reply> refused = guard.check(exchange, "POST".equals(method));
      if (refused.isPresent()) {
        Json.send(exchange, refused.get().status(), refused.get().body());
        return;
      }
      Set<String> allowed = new LinkedHashSet<>();
      for (Route route : routes) {
        Matcher matcher = route.path().matcher(path);
        if (!matcher.matches()) {
          continue;
        }
        if (!route.method().equals(method)) {
          allowed.add(route.method());
          continue;
        }
        run(route, new Request(exchange, groups(matcher), parameters(exchange.getRequestURI().getRawQuery())));
        return;
      }
      if (allowed.isEmpty()) {
        Json.send(exchange, 404, Json.error("no such endpoint: " + method + " " + path));
      } else {
        exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
        Json.send(exchange, 405, Json.error(method + " is not served here; use " + String.join(" or ", allowed)));
      }
    }
  }

  private static void run(Route route, Request request) throws IOException {
    if (route.stream() != null) {
      route.stream().handle(request);
      return;
    }
    Reply reply;
    try {
      reply = route.json().handle(request);
    } catch (Exception e) {
      HttpErrors.Answer answer = HttpErrors.toAnswer(e);
      reply = new Reply(answer.status(), Json.error(answer.message()));
    }
    Json.send(request.exchange(), reply.status(), reply.body());
  }

  private static List<String> groups(Matcher matcher) {
    List<String> groups = new ArrayList<>(matcher.groupCount());
    for (int i = 1; i <= matcher.groupCount(); i++) {
      groups.add(matcher.group(i));
    }
    return groups;
  }

  /** Query parameters, decoded; the last of a repeated name wins. */
  public static Map<String, String> parameters(String rawQuery) {
    Map<String, String> params = new TreeMap<>();
    if (rawQuery == null) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(key, value);
    }
    return params;
  }
}
