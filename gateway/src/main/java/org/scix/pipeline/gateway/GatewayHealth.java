package org.scix.pipeline.gateway;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.function.BooleanSupplier;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * The gRPC health the gateway reports, for the whole server and each seed service: NOT_SERVING
 * until the gateway is assembled and serving (view caught up, Kafka reachable), then following
 * each change it is told of, and NOT_SERVING for good once shutdown begins.
 */
final class GatewayHealth {
  private static final String[] SERVICES = {"", TemplateApi.INIT_SERVICE, TemplateApi.MONITOR_SERVICE, TemplateApi.CANCEL_SERVICE};

  private final HealthStatusManager manager = new HealthStatusManager();
  private final BooleanSupplier serving;
  private boolean terminal; // guarded by this

  /** @param serving whether the gateway serves now; asked on every change */
  GatewayHealth(BooleanSupplier serving) {
    this.serving = serving;
    manager.setStatus("", ServingStatus.NOT_SERVING);
  }

  BindableService service() {
    return manager.getHealthService();
  }

  /** Something health depends on changed: report the current state (repeats are ignored by the manager). */
  synchronized void changed() {
    if (terminal) {
      return;
    }
    ServingStatus status = serving.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    for (String service : SERVICES) {
      manager.setStatus(service, status);
    }
  }

  /** Shutdown began: NOT_SERVING from now on, whatever changes. */
  synchronized void stopping() {
    terminal = true;
    manager.enterTerminalState();
  }
}
