package org.scix.pipeline.gateway.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * @param host the address the dashboard binds to; read-only views need no token only on loopback
 * @param token what actions (and, off loopback, reads) must present; empty: actions are refused
 */
public record DashboardSettings(boolean enabled, String host, int port, Optional<String> token) {
  public boolean isLoopback() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String toString() { // never the token
    return "DashboardSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "set" : "none") + "]";
  }
}
