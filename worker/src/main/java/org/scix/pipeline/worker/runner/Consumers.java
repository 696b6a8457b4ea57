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
   * The group's committed offsets. Task and commit threads wake the poll thread up whenever they
   * finish, so a wakeup may land on this call, any number of times: each is used up by the call it
   * interrupts and the call is made again. Other failures (a timeout) are the caller's to handle.
   */
  static Map<TopicPartition, OffsetAndMetadata> committed(Consumer<?, ?> consumer, Set<TopicPartition> partitions) {
    while (true) {
      try {
        return consumer.committed(partitions);
      } catch (WakeupException e) {
        // a job finished meanwhile: not a reason to give up reading the offsets
      }
    }
  }
}
