package org.scix.pipeline.bench;

import com.sun.tools.attach.VirtualMachine;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The broker's own counters, read over JMX from its local management agent (attached to by pid,
 * so the broker needs no option for it): requests by type, records and bytes in and out. Two
 * snapshots around a measurement say what each job cost the broker in requests, records and bytes.
 */
final class BrokerCounters {
  static final String RECORDS_IN = "records_in";
  static final String BYTES_IN = "bytes_in";
  static final String BYTES_OUT = "bytes_out";

  private BrokerCounters() {}

  /** Each request type's count (Produce, Fetch, EndTxn, WriteTxnMarkers, ...) and the three totals above. */
  static Map<String, Long> snapshot(long brokerPid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(brokerPid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    Map<String, Long> counts = new TreeMap<>();
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection server = connector.getMBeanServerConnection();
      for (ObjectName name : server.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
        counts.merge(name.getKeyProperty("request"), ((Number) server.getAttribute(name, "Count")).longValue(), Long::sum);
      }
      counts.put(RECORDS_IN, total(server, "MessagesInPerSec"));
      counts.put(BYTES_IN, total(server, "BytesInPerSec"));
      counts.put(BYTES_OUT, total(server, "BytesOutPerSec"));
    }
    return counts;
  }

  private static long total(MBeanServerConnection server, String meter) throws Exception {
    return ((Number) server.getAttribute(new ObjectName("kafka.server:type=BrokerTopicMetrics,name=" + meter), "Count")).longValue();
  }
}
