package org.scix.pipeline.worker.runner;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/** Consumer calls the poll thread makes outside poll(). */
final class Consumers {
  private Consumers() {}

  /**
   * The group's committed offsets. Task and commit threads wake the poll thread up when they
   * finish; a wakeup that lands just after a poll returned hits the next blocking call instead,
   * this one, and it is simply asked again (a wakeup is used up by the call it interrupts).
   */
  static Map<TopicPartition, OffsetAndMetadata> committed(Consumer<?, ?> consumer, Set<TopicPartition> partitions) {
    try {
      return consumer.committed(partitions);
    } catch (WakeupException e) {
      return consumer.committed(partitions);
    }
  }
}
