package org.scix.pipeline.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** The gateway's one JSON mapper, and the one way an HTTP answer is written. */
public final class Json {
  /** Thread-safe once configured; shared by every HTTP handler. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static ObjectNode error(String message) {
    return object().put("error", message);
  }

  /** Writes {@code body} as JSON with {@code status}, and the headers every answer carries. */
  public static void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = MAPPER.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    securityHeaders(exchange);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** No framing by other sites, no sniffing, scripts only from here. */
  public static void securityHeaders(HttpExchange exchange) {
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
  }
}
