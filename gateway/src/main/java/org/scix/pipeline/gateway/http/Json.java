package org.scix.pipeline.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.scix.pipeline.gateway.errors.InvalidRequestException;

/** The gateway's one JSON mapper, and the one way an HTTP answer is written. */
public final class Json {
  /** Thread-safe once configured; shared by every HTTP handler. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** A field's text, or null when it is absent or JSON null. */
  public static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }

  /** A field's text, or null when it is absent, JSON null or blank (a filter left empty). */
  public static String nonBlankText(JsonNode node, String field) {
    String text = text(node, field);
    return text == null || text.isBlank() ? null : text;
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

  /**
   * A request's JSON body, at most {@code maxBytes}; an empty body is an empty object.
   *
   * @throws InvalidRequestException if it is larger or not JSON
   */
  public static JsonNode body(HttpExchange exchange, int maxBytes) throws IOException {
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(maxBytes + 1);
    }
    if (bytes.length > maxBytes) {
      throw new InvalidRequestException("the body is at most " + maxBytes + " bytes of JSON");
    }
    if (bytes.length == 0) {
      return object();
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new InvalidRequestException("the body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException("not JSON: " + e.getOriginalMessage());
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
