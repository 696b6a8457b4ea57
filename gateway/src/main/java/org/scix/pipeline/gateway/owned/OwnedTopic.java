package org.scix.pipeline.gateway.owned;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What one replica keeps of the partitions it owns of one compacted topic, folded from the topic
 * read from its beginning, and what it writes when something falls due ({@link OwnedPartitions}
 * runs the reading, the ownership and the transactions). Poll thread only.
 */
public interface OwnedTopic {
  /** Something due, about one key of one owned partition. */
  interface Action {
    TopicPartition partition();

    String key();
  }

  String topic();

  /** This topic's state per owned partition, and which partitions were read far enough for their work to be due. */
  PartitionStates<?> partitions();

  /** A partition this replica now owns, to be read from its beginning up to {@code loadedAt} before anything of it is due. */
  default void assigned(TopicPartition partition, long loadedAt) {
    partitions().assigned(partition, loadedAt);
  }

  /** How many partitions the topic has, read again when the group's assignment changes (as when partitions are added) and now and then. */
  default void partitionCount(int count) {}

  /** Partitions another replica owns now. */
  default void forget(Collection<TopicPartition> partitions) {
    partitions().forget(partitions);
  }

  /** One record of an owned partition, in offset order (read back too: the owner's own writes). */
  void apply(ConsumerRecord<String, byte[]> record);

  /** The reader reached {@code position} in {@code partition}. */
  default void readUpTo(TopicPartition partition, long position) {
    partitions().readUpTo(partition, position);
  }

  /** When something may next be due (epoch ms; 0: now; Long.MAX_VALUE: nothing waits). */
  long nextDue();

  /** Up to {@code max} actions due at {@code nowMillis}; each is held (not due again) until {@link #done} or {@link #release}. */
  List<Action> due(long nowMillis, int max);

  /** What an action writes, in one transaction with the others of its turn: its effect, then what marks it done on this topic. */
  List<ProducerRecord<String, Object>> records(Action action);

  /** The transaction holding these committed. */
  void done(List<Action> actions);

  /** The transaction holding these did not commit: due again. */
  void release(List<Action> actions);
}
