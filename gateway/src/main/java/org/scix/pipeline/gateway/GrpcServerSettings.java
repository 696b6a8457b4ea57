package org.scix.pipeline.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.core.config.Settings;

/**
 * The gRPC server clients call.
 *
 * @param tlsCertFile with {@code tlsKeyFile}: serve TLS; empty: plaintext
 * @param tlsClientCaFile when set: mutual TLS, clients must present a certificate this CA signed
 * @param shutdownGrace how long a stopping gateway lets calls in progress finish
 */
public record GrpcServerSettings(String host, int port, int maxInboundMessageBytes, int maxConcurrentCallsPerConnection,
    Optional<Path> tlsCertFile, Optional<Path> tlsKeyFile, Optional<Path> tlsClientCaFile, Duration shutdownGrace) {
  public static final String HOST = "GRPC_HOST";
  public static final String PORT = "GRPC_PORT";
  public static final String MAX_MESSAGE_BYTES = "GRPC_MAX_MESSAGE_BYTES";
  public static final String MAX_CONCURRENT_CALLS = "GRPC_MAX_CONCURRENT_CALLS_PER_CONNECTION";
  public static final String TLS_CERT = "GRPC_TLS_CERT_FILE";
  public static final String TLS_KEY = "GRPC_TLS_KEY_FILE";
  public static final String TLS_CLIENT_CA = "GRPC_TLS_CLIENT_CA_FILE";
  public static final String SHUTDOWN_GRACE = "GATEWAY_SHUTDOWN_GRACE_MS";

  public static GrpcServerSettings from(Settings s) {
    Optional<Path> cert = s.existingFile(TLS_CERT);
    Optional<Path> key = s.existingFile(TLS_KEY);
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException(cert.isPresent() ? TLS_KEY : TLS_CERT, "TLS needs both " + TLS_CERT + " and " + TLS_KEY);
    }
    Optional<Path> clientCa = s.existingFile(TLS_CLIENT_CA);
    if (clientCa.isPresent() && cert.isEmpty()) {
      throw new ConfigException(TLS_CLIENT_CA, "mutual TLS needs " + TLS_CERT + " and " + TLS_KEY + " too");
    }
    return new GrpcServerSettings(
        s.string(HOST, "0.0.0.0"),
        s.integer(PORT, 50051, 0, 65535),
        s.integer(MAX_MESSAGE_BYTES, 1 << 20, 64, 64 << 20),
        s.integer(MAX_CONCURRENT_CALLS, 1000, 1, 1_000_000),
        cert, key, clientCa,
        s.duration(SHUTDOWN_GRACE, Duration.ofSeconds(10), Duration.ZERO));
  }

  /** How the server is secured, for the start-up log line. */
  public String security() {
    return tlsCertFile.isEmpty() ? "plaintext" : tlsClientCaFile.isPresent() ? "mutual TLS" : "TLS";
  }
}
