package org.scix.pipeline.gateway.interceptors;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Caps the calls open at once on one client connection; the call over the cap is answered
 * RESOURCE_EXHAUSTED at once. (HTTP/2's own stream limit would make a client queue silently
 * instead, which hides the problem from the caller.) A connection is identified by its remote
 * address, which is unique per TCP connection.
 */
public final class ConnectionCallLimit implements ServerInterceptor {
  private final int maxCallsPerConnection;
  private final Map<SocketAddress, Integer> openCalls = new ConcurrentHashMap<>();

  public ConnectionCallLimit(int maxCallsPerConnection) {
    this.maxCallsPerConnection = maxCallsPerConnection;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress connection = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (connection == null) {
      return next.startCall(call, headers);
    }
    boolean[] admitted = new boolean[1];
    openCalls.compute(connection, (c, open) -> {
      int current = open == null ? 0 : open;
      admitted[0] = current < maxCallsPerConnection;
      return admitted[0] ? current + 1 : open;
    });
    if (!admitted[0]) {
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(
          "more than " + maxCallsPerConnection + " calls open on this connection; finish some or open another connection"),
          new Metadata());
      return new ServerCall.Listener<>() { };
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        openCalls.computeIfPresent(connection, (c, open) -> open <= 1 ? null : open - 1);
      }
    };
    try {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onComplete() {
          release.run();
          super.onComplete();
        }

        @Override
        public void onCancel() {
          release.run();
          super.onCancel();
        }
      };
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }
}
