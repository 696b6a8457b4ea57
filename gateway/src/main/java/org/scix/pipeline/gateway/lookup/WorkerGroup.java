package org.scix.pipeline.gateway.lookup;

import java.util.List;
import java.util.Map;

/** Who is in the worker group and what they hold: each live worker, its input partitions and their lag. */
@FunctionalInterface
public interface WorkerGroup {
  List<Map<String, Object>> describe();
}
