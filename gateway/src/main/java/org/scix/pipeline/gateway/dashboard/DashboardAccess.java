package org.scix.pipeline.gateway.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may read and act. Reads need no token only when the dashboard is bound to loopback; every
 * action (a POST: cancel, replay, discard) needs {@code DASHBOARD_TOKEN} in the
 * {@value #TOKEN_HEADER} header (or {@code Authorization: Bearer}), and a browser's Origin, when
 * sent, must be this dashboard's own. A page on another site cannot add that header without a CORS
 * preflight, which this server never grants: that is the cross-site request protection. Nothing
 * here logs the token.
 */
final class DashboardAccess {
  static final String TOKEN_HEADER = "X-Dashboard-Token";

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

  Denial check(HttpExchange exchange, boolean action) {
    if (action) {
      String origin = exchange.getRequestHeaders().getFirst("Origin");
      String host = exchange.getRequestHeaders().getFirst("Host");
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
    String presented = presentedToken(exchange);
    if (presented == null) {
      return new Denial(401, "this needs the dashboard token (header " + TOKEN_HEADER + ")");
    }
    if (settings.token().isEmpty() || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        settings.token().get().getBytes(StandardCharsets.UTF_8))) {
      return new Denial(403, "wrong dashboard token");
    }
    return null;
  }

  private static String presentedToken(HttpExchange exchange) {
    String token = exchange.getRequestHeaders().getFirst(TOKEN_HEADER);
    String query = exchange.getRequestURI().getRawQuery();
    if (token == null && query != null && exchange.getRequestURI().getPath().equals("/api/events")) {
      // EventSource cannot send headers: the live stream (read-only) takes the token as a parameter.
      for (String pair : query.split("&")) {
        if (pair.startsWith("token=")) {
          token = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        }
      }
    }
    if (token == null) {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      if (authorization != null && authorization.startsWith("Bearer ")) {
        token = authorization.substring("Bearer ".length());
      }
    }
    return token == null || token.isBlank() ? null : token;
  }
}
