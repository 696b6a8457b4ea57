package org.scix.pipeline.core.trace;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;

/**
 * Spans around a job's steps, through the OpenTelemetry API. Without an SDK or agent the tracer
 * is a no-op, but the W3C {@code traceparent} still passes through unchanged (the no-op span
 * carries its parent's context); with one, each step becomes a child span and the traceparent
 * written onward names it.
 */
public final class Tracing {
  public static final String TRACEPARENT = "traceparent";
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private Tracing() {}

  /** Starts a span that continues {@code parentTraceparent} (may be null). */
  public static JobSpan start(String name, SpanKind kind, String parentTraceparent, String jobId) {
    Context parent = parentTraceparent == null ? Context.root()
        : W3C.extract(Context.root(), Map.of(TRACEPARENT, parentTraceparent), MAP_GETTER);
    Span span = tracer().spanBuilder(name).setParent(parent).setSpanKind(kind).setAttribute("scix.job_id", jobId).startSpan();
    if (!span.getSpanContext().isValid()) {
      return new JobSpan(span, null); // no trace to continue and no SDK to start one
    }
    Map<String, String> carrier = new HashMap<>();
    W3C.inject(parent.with(span), carrier, Map::put);
    return new JobSpan(span, carrier.get(TRACEPARENT));
  }

  private static Tracer tracer() {
    return GlobalOpenTelemetry.getTracer("org.scix.pipeline");
  }

  /** A started span and the traceparent to hand onward (null when there is no trace at all). */
  public record JobSpan(Span span, String traceparent) {
    public void end(String errorReason) {
      if (errorReason != null) {
        span.setStatus(StatusCode.ERROR, errorReason);
      }
      span.end();
    }
  }
}
