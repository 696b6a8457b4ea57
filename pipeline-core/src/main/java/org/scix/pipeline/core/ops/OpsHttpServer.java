package org.scix.pipeline.core.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.scix.pipeline.core.util.Threads;

/**
 * The operations endpoint of a process: {@code /metrics} (Prometheus), {@code /health/live} and
 * {@code /health/ready} (200 or 503), for scrapers and Kubernetes probes, plus whatever the process
 * {@link #route}s (the gateway's job queries). JDK HttpServer, a few threads: a slow query must not
 * hold up a probe.
 */
public final class OpsHttpServer implements AutoCloseable {
  private final HttpServer server;

  public OpsHttpServer(String host, int port, PrometheusMeterRegistry metrics, BooleanSupplier live, BooleanSupplier ready)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/metrics", exchange -> reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext("/health/live", exchange -> probe(exchange, live));
    server.createContext("/health/ready", exchange -> probe(exchange, ready));
    server.setExecutor(Executors.newFixedThreadPool(4, Threads.daemonFactory("ops-http")));
    server.start();
  }

  /** Serves {@code path} (and everything under it) with {@code handler}. */
  public void route(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok = check.getAsBoolean();
    reply(exchange, ok ? 200 : 503, "text/plain", ok ? "UP\n" : "DOWN\n");
  }

  private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
