package org.scix.pipeline.gateway.interceptors;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts RPCs by method and status code with latency histograms, and gauges open calls. */
public final class RpcMetrics implements ServerInterceptor {
  private final MeterRegistry registry;
  private final AtomicInteger openCalls = new AtomicInteger();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public RpcMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("grpc.server.calls.open", openCalls);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    openCalls.incrementAndGet();
    ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        openCalls.decrementAndGet();
        timer(method, status.getCode()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        super.close(status, trailers);
      }
    };
    return next.startCall(timed, headers);
  }

  /** One timer per method and code, built once (a registry lookup per call costs more than the recording). */
  private Timer timer(String method, Status.Code code) {
    return timers.computeIfAbsent(method + '|' + code.name(), key -> Timer.builder("grpc.server.calls")
        .description("Server RPCs by method and status code")
        .tag("method", method)
        .tag("code", code.name())
        .publishPercentileHistogram()
        .register(registry));
  }
}
