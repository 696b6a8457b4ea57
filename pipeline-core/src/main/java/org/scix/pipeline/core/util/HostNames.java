package org.scix.pipeline.core.util;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** This machine's name as the services use it in ids (transactional ids, instance ids, client ids). */
public final class HostNames {
  private HostNames() {}

  /** The local host name with every character Kafka ids and file names do not take replaced by '-'; {@code fallback} if it has none. */
  public static String local(String fallback) {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
    } catch (UnknownHostException e) {
      return fallback;
    }
  }
}
