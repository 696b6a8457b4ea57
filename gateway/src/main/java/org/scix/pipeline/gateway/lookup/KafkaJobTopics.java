package org.scix.pipeline.gateway.lookup;

import java.util.ArrayList;
import java.util.List;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.config.TopicSettings;
import org.scix.pipeline.core.kafka.PipelineSerdes;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.output.TemplateOutput;

/** A job's input and output records, read from Kafka when its page asks. */
public final class KafkaJobTopics implements JobTopics, AutoCloseable {
  private final JobRecordsLookup lookup;
  private final TopicSettings topics;
  private final PipelineSerdes serdes;

  public KafkaJobTopics(KafkaSettings kafka, TopicSettings topics, PipelineSerdes serdes, String clientId) {
    this.lookup = new JobRecordsLookup(kafka, clientId);
    this.topics = topics;
    this.serdes = serdes;
  }

  @Override
  public List<String> input(String jobId, long fromMillis, long toMillis) {
    List<String> found = new ArrayList<>();
    for (String input : topics.inputs()) { // interactive or bulk: the job is on one of them
      found.addAll(lookup.find(input, jobId, fromMillis, toMillis, serdes.deserializer(TemplateInput.class)));
    }
    return found;
  }

  @Override
  public List<String> outputs(String jobId, long fromMillis, long toMillis) {
    return lookup.find(topics.output(), jobId, fromMillis, toMillis, serdes.deserializer(TemplateOutput.class));
  }

  @Override
  public void close() {
    lookup.close();
  }
}
