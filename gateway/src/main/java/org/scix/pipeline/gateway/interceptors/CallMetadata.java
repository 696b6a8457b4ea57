package org.scix.pipeline.gateway.interceptors;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import org.scix.pipeline.core.trace.Tracing;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * Carries the request headers the handlers care about into the gRPC {@link Context}: the
 * idempotency key, the time to run at, the priority and whether progress is wanted (the request
 * schema is fixed by existing clients, so these travel as metadata) and the W3C {@code traceparent}.
 */
public final class CallMetadata implements ServerInterceptor {
  private static final Metadata.Key<String> IDEMPOTENCY_KEY_HEADER =
      Metadata.Key.of(TemplateApi.IDEMPOTENCY_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RUN_AT_HEADER = Metadata.Key.of(TemplateApi.RUN_AT_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> PRIORITY_HEADER = Metadata.Key.of(TemplateApi.PRIORITY_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> PROGRESS_HEADER = Metadata.Key.of(TemplateApi.PROGRESS_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACEPARENT_HEADER = Metadata.Key.of(Tracing.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> IDEMPOTENCY_KEY = Context.key("idempotency-key");
  private static final Context.Key<String> RUN_AT = Context.key("run-at");
  private static final Context.Key<String> PRIORITY = Context.key("priority");
  private static final Context.Key<String> TRACEPARENT = Context.key(Tracing.TRACEPARENT);
  private static final Context.Key<Boolean> PROGRESS = Context.key("progress");

  /** The current call's idempotency key, or null. */
  public static String idempotencyKey() {
    return IDEMPOTENCY_KEY.get();
  }

  /** The current call's time to run at, as sent (unparsed), or null. */
  public static String runAt() {
    return RUN_AT.get();
  }

  /** The current call's priority, as sent (unparsed), or null. */
  public static String priority() {
    return PRIORITY.get();
  }

  /** Whether the current call asked for progress ({@code progress: true}). */
  public static boolean progress() {
    return Boolean.TRUE.equals(PROGRESS.get());
  }

  /** The current call's W3C traceparent, or null. */
  public static String traceparent() {
    return TRACEPARENT.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context context = Context.current()
        .withValue(IDEMPOTENCY_KEY, headers.get(IDEMPOTENCY_KEY_HEADER))
        .withValue(RUN_AT, headers.get(RUN_AT_HEADER))
        .withValue(PRIORITY, headers.get(PRIORITY_HEADER))
        .withValue(TRACEPARENT, headers.get(TRACEPARENT_HEADER))
        .withValue(PROGRESS, "true".equalsIgnoreCase(headers.get(PROGRESS_HEADER)));
    return Contexts.interceptCall(context, call, headers, next);
  }
}
