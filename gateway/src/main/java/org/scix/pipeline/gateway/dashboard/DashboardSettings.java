package org.scix.pipeline.gateway.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.scix.pipeline.core.config.ConfigException;
import org.scix.pipeline.core.config.Settings;

/**
 * @param host the address the dashboard binds to; read-only views need no token only on loopback
 * @param token what actions (and, off loopback, reads) must present; empty: actions are refused
 * @param workerGroup the workers' consumer group (the same setting the workers read), for the lag view
 */
public record DashboardSettings(boolean enabled, String host, int port, Optional<String> token, String workerGroup) {
  public static final String ENABLED = "DASHBOARD_ENABLED";
  public static final String HOST = "DASHBOARD_HOST";
  public static final String PORT = "DASHBOARD_PORT";
  public static final String TOKEN = "DASHBOARD_TOKEN";
  public static final String WORKER_GROUP_ID = "WORKER_GROUP_ID";
  public static final String DEFAULT_WORKER_GROUP = "scix-pipeline-workers";

  public static DashboardSettings from(Settings s) {
    Optional<String> token = s.optional(TOKEN).filter(t -> !t.isBlank());
    if (token.isPresent() && token.get().length() < 16) {
      throw new ConfigException(TOKEN, "use at least 16 characters (e.g. openssl rand -hex 16)");
    }
    DashboardSettings dashboard = new DashboardSettings(s.bool(ENABLED, true), s.string(HOST, "127.0.0.1"),
        s.integer(PORT, 8088, 0, 65535), token, s.string(WORKER_GROUP_ID, DEFAULT_WORKER_GROUP));
    if (dashboard.enabled() && !dashboard.isLoopback() && token.isEmpty()) {
      throw new ConfigException(TOKEN, "the dashboard listens on " + dashboard.host()
          + ", beyond this machine: set DASHBOARD_TOKEN, or DASHBOARD_HOST=127.0.0.1, or DASHBOARD_ENABLED=false");
    }
    return dashboard;
  }

  public boolean isLoopback() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String toString() { // never the token
    return "DashboardSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "set" : "none")
        + ", workerGroup=" + workerGroup + "]";
  }
}
