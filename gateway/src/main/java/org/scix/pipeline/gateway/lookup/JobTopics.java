package org.scix.pipeline.gateway.lookup;

import java.util.List;

/** A job's records on the input and output topics, as text. */
public interface JobTopics {
  List<String> input(String jobId, long fromMillis, long toMillis);

  List<String> outputs(String jobId, long fromMillis, long toMillis);
}
