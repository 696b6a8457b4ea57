package org.scix.pipeline.gateway.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.Json;

/**
 * Who may read and act. Reads need no token only when the dashboard is bound to loopback; every
 * action (a POST: cancel, replay, discard) needs {@code DASHBOARD_TOKEN} in the
 * {@value #TOKEN_HEADER} header (or {@code Authorization: Bearer}), and a browser's Origin, when
 * sent, must be this dashboard's own. A page on another site cannot add that header without a CORS
 * preflight, which this server never grants: that is the cross-site request protection. The token
 * is compared in constant time, and nothing here logs it.
 */
final class DashboardAccess {
  static final String TOKEN_HEADER = "X-Dashboard-Token";
  /** The one read that may carry the token as a query parameter: EventSource cannot send headers. */
  static final String EVENTS_PATH = "/api/events";

  private final DashboardSettings settings;

  /** Why a request is refused: 401 (no token) or 403 (wrong token, foreign origin, actions off). */
  record Denial(int status, String reason) {}

  DashboardAccess(DashboardSettings settings) {
    this.settings = settings;
  }

  String describe() {
    return (settings.isLoopback() ? "reads open on loopback" : "reads need the token")
        + (settings.token().isPresent() ? ", actions need the token" : ", actions off: DASHBOARD_TOKEN is not set");
  }

  /** The router's guard: a refusal as a JSON answer. */
  HttpRouter.Guard guard() {
    return (exchange, action) -> Optional.ofNullable(check(action, exchange.getRequestURI().getPath(),
            exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders()::getFirst))
        .map(denial -> new HttpRouter.Reply(denial.status(), Json.error(denial.reason())));
  }

  /**
   * @param header a request header's first value by name, or null
   * @return why the request is refused, or null to let it through
   */
  Denial check(boolean action, String path, String rawQuery, Function<String, String> header) {
    if (action) {
      String origin = header.apply("Origin");
      String host = header.apply("Host");
      if (origin != null && !origin.equals("http://" + host) && !origin.equals("https://" + host)) {
        return new Denial(403, "cross-site request refused: Origin " + origin + " is not this dashboard");
      }
      if (settings.token().isEmpty()) {
        return new Denial(403, "actions are off: start the gateway with DASHBOARD_TOKEN set");
      }
    }
    if (!action && settings.isLoopback()) {
      return null;
    }
    String presented = presentedToken(path, rawQuery, header);
    if (presented == null) {
      return new Denial(401, "this needs the dashboard token (header " + TOKEN_HEADER + ")");
    }
    if (settings.token().isEmpty() || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        settings.token().get().getBytes(StandardCharsets.UTF_8))) {
      return new Denial(403, "wrong dashboard token");
    }
    return null;
  }

  private static String presentedToken(String path, String rawQuery, Function<String, String> header) {
    String token = header.apply(TOKEN_HEADER);
    if (token == null && rawQuery != null && path.equals(EVENTS_PATH)) {
      Map<String, String> query = HttpRouter.parameters(rawQuery);
      token = query.get("token");
    }
    if (token == null) {
      String authorization = header.apply("Authorization");
      if (authorization != null && authorization.startsWith("Bearer ")) {
        token = authorization.substring("Bearer ".length());
      }
    }
    return token == null || token.isBlank() ? null : token;
  }
}
