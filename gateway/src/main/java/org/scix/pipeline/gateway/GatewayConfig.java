package org.scix.pipeline.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.gateway.api.ApiSettings;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;

/**
 * Everything the gateway reads at start, validated there.
 *
 * @param instanceId stable per replica; names the transactional producer so a restart fences its predecessor
 */
public record GatewayConfig(
    KafkaSettings kafka,
    TopicSettings topics,
    String grpcHost,
    int grpcPort,
    int maxInboundMessageBytes,
    int maxConcurrentCallsPerConnection,
    Duration submitTimeout,
    int submitLanes,
    Duration idempotencyWindow,
    Duration statusSyncTimeout,
    Duration statusViewMaxStall,
    Duration jobRetention,
    Optional<Path> statusStoreDir,
    Duration cancelWait,
    String instanceId,
    int opsPort,
    Optional<Path> tlsCertFile,
    Optional<Path> tlsKeyFile,
    Optional<Path> tlsClientCaFile,
    Duration shutdownGrace,
    DashboardSettings dashboard,
    String workerGroup) {

  public static final String GRPC_HOST = "GRPC_HOST";
  public static final String GRPC_PORT = "GRPC_PORT";
  public static final String MAX_MESSAGE_BYTES = "GRPC_MAX_MESSAGE_BYTES";
  public static final String MAX_CONCURRENT_CALLS = "GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION";
  public static final String SUBMIT_TIMEOUT = "SUBMIT_TIMEOUT_MS";
  public static final String SUBMIT_LANES = "SUBMIT_LANES";
  public static final String IDEMPOTENCY_WINDOW = "IDEMPOTENCY_WINDOW_MS";
  public static final String STATUS_SYNC_TIMEOUT = "STATUS_SYNC_TIMEOUT_MS";
  public static final String STATUS_VIEW_MAX_STALL = "STATUS_VIEW_MAX_STALL_MS";
  public static final String JOB_RETENTION = "JOB_RETENTION_MS";
  public static final String STATUS_STORE_DIR = "STATUS_STORE_DIR";
  public static final String CANCEL_WAIT = "CANCEL_WAIT_MS";
  public static final String INSTANCE_ID = "GATEWAY_INSTANCE_ID";
  public static final String OPS_PORT = "GATEWAY_OPS_PORT";
  public static final String TLS_CERT = "GRPC_TLS_CERT_FILE";
  public static final String TLS_KEY = "GRPC_TLS_KEY_FILE";
  public static final String TLS_CLIENT_CA = "GRPC_TLS_CLIENT_CA_FILE";
  public static final String SHUTDOWN_GRACE = "GATEWAY_SHUTDOWN_GRACE_MS";
  public static final String DASHBOARD_ENABLED = "DASHBOARD_ENABLED";
  public static final String DASHBOARD_HOST = "DASHBOARD_HOST";
  public static final String DASHBOARD_PORT = "DASHBOARD_PORT";
  public static final String DASHBOARD_TOKEN = "DASHBOARD_TOKEN";
  /** The workers' consumer group (the same setting the workers read), for the dashboard's lag view. */
  public static final String WORKER_GROUP_ID = "WORKER_GROUP_ID";

  public static GatewayConfig from(Settings s) {
    int port = s.integer(GRPC_PORT, 50051, 0, 65535);
    Optional<Path> cert = s.existingFile(TLS_CERT);
    Optional<Path> key = s.existingFile(TLS_KEY);
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException(cert.isPresent() ? TLS_KEY : TLS_CERT, "TLS needs both " + TLS_CERT + " and " + TLS_KEY);
    }
    Optional<Path> clientCa = s.existingFile(TLS_CLIENT_CA);
    if (clientCa.isPresent() && cert.isEmpty()) {
      throw new ConfigException(TLS_CLIENT_CA, "mutual TLS needs " + TLS_CERT + " and " + TLS_KEY + " too");
    }
    String instanceId = s.string(INSTANCE_ID, hostName() + "-" + port);
    if (!instanceId.matches("[A-Za-z0-9._-]{1,200}")) {
      throw new ConfigException(INSTANCE_ID, "use letters, digits, '.', '_' and '-' only, got '" + instanceId + "'");
    }
    Duration idempotencyWindow = s.duration(IDEMPOTENCY_WINDOW, Duration.ofHours(24), Duration.ofSeconds(1));
    Duration retention = s.duration(JOB_RETENTION, Duration.ofDays(7), Duration.ofSeconds(1));
    if (retention.compareTo(idempotencyWindow.multipliedBy(2)) < 0) {
      // A repeat of a key maps to its job for up to two windows; forgetting it sooner would run it again.
      throw new ConfigException(JOB_RETENTION, "must be at least twice " + IDEMPOTENCY_WINDOW + " (" + idempotencyWindow.toMillis()
          + " ms), got " + retention.toMillis() + " ms");
    }
    return new GatewayConfig(
        KafkaSettings.from(s),
        TopicSettings.from(s),
        s.string(GRPC_HOST, "0.0.0.0"),
        port,
        s.integer(MAX_MESSAGE_BYTES, 1 << 20, 64, 64 << 20),
        s.integer(MAX_CONCURRENT_CALLS, 1000, 1, 1_000_000),
        s.duration(SUBMIT_TIMEOUT, Duration.ofSeconds(10), Duration.ofMillis(100)),
        s.integer(SUBMIT_LANES, 2, 1, 16),
        idempotencyWindow,
        s.duration(STATUS_SYNC_TIMEOUT, Duration.ofSeconds(5), Duration.ofMillis(100)),
        s.duration(STATUS_VIEW_MAX_STALL, Duration.ofSeconds(30), Duration.ofSeconds(1)),
        retention,
        s.optional(STATUS_STORE_DIR).map(Path::of),
        s.duration(CANCEL_WAIT, Duration.ofSeconds(10), Duration.ZERO),
        instanceId,
        s.integer(OPS_PORT, 9464, 0, 65535),
        cert, key, clientCa,
        s.duration(SHUTDOWN_GRACE, Duration.ofSeconds(10), Duration.ZERO),
        dashboard(s),
        s.string(WORKER_GROUP_ID, "scix-pipeline-workers"));
  }

  private static DashboardSettings dashboard(Settings s) {
    Optional<String> token = s.optional(DASHBOARD_TOKEN).filter(t -> !t.isBlank());
    if (token.isPresent() && token.get().length() < 16) {
      throw new ConfigException(DASHBOARD_TOKEN, "use at least 16 characters (e.g. openssl rand -hex 16)");
    }
    DashboardSettings dashboard = new DashboardSettings(s.bool(DASHBOARD_ENABLED, true), s.string(DASHBOARD_HOST, "127.0.0.1"),
        s.integer(DASHBOARD_PORT, 8088, 0, 65535), token);
    if (dashboard.enabled() && !dashboard.isLoopback() && token.isEmpty()) {
      throw new ConfigException(DASHBOARD_TOKEN, "the dashboard listens on " + dashboard.host()
          + ", beyond this machine: set DASHBOARD_TOKEN, or DASHBOARD_HOST=127.0.0.1, or DASHBOARD_ENABLED=false");
    }
    return dashboard;
  }

  public ApiSettings api() {
    return new ApiSettings(idempotencyWindow, statusSyncTimeout, cancelWait);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
    } catch (UnknownHostException e) {
      return "gateway";
    }
  }
}
