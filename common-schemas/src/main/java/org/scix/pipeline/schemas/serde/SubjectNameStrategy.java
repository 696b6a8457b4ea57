package org.scix.pipeline.schemas.serde;

/** Maps a topic to the registry subject of its keys or values. */
@FunctionalInterface
public interface SubjectNameStrategy {
  /** Confluent's default: {@code <topic>-value} (or {@code -key}). */
  SubjectNameStrategy TOPIC_NAME = (topic, isKey) -> topic + (isKey ? "-key" : "-value");

  String subject(String topic, boolean isKey);
}
