package org.scix.pipeline.gateway.schedules;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TopicReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every schedule with its last and next tick, for the API of any replica: read from the
 * compacted schedules topic on each request (committed records only; a few records per schedule).
 */
public final class ScheduleCatalog {
  private static final Logger log = LoggerFactory.getLogger(ScheduleCatalog.class);

  /** A schedule as listed: {@code lastTick} 0 if it never ticked; {@code nextTick} Long.MAX_VALUE if paused or none. */
  public record Listed(ScheduleSpec spec, long lastTick, long nextTick) {}

  private final KafkaSettings kafka;
  private final String topic;
  private final String clientId;
  private final Clock clock;

  public ScheduleCatalog(KafkaSettings kafka, String topic, String clientId, Clock clock) {
    this.kafka = kafka;
    this.topic = topic;
    this.clientId = clientId;
    this.clock = clock;
  }

  public List<Listed> list() {
    Map<String, ScheduleSpec> specs = new HashMap<>();
    Map<String, Long> definedAt = new HashMap<>();
    Map<String, Long> lastTicks = new HashMap<>();
    try (TopicReader reader = TopicReader.open(kafka, clientId)) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll(topic)) {
        String stateOf = ScheduleRecords.scheduleOfState(record.key());
        if (stateOf != null) {
          if (record.value() == null) {
            lastTicks.remove(stateOf);
          } else {
            lastTicks.merge(stateOf, ScheduleRecords.lastTick(record.value()), Math::max);
          }
        } else if (record.key() != null) {
          if (record.value() == null) {
            specs.remove(record.key());
          } else {
            try {
              ScheduleSpec spec = ScheduleSpec.fromJson(record.value());
              specs.put(record.key(), spec);
              definedAt.put(record.key(), ScheduleRecords.definedAt(record, spec));
            } catch (IOException | RuntimeException e) {
              log.warn("schedule {}: unreadable record ({}); not listed", record.key(), e.toString());
            }
          }
        }
      }
    }
    List<Listed> listed = new ArrayList<>();
    specs.values().forEach(spec -> {
      long last = lastTicks.getOrDefault(spec.name(), 0L);
      long next = spec.paused() ? Long.MAX_VALUE : spec.nextTick(Math.max(last, definedAt.getOrDefault(spec.name(), spec.createdAt())));
      listed.add(new Listed(spec, last, next));
    });
    listed.sort(Comparator.comparing(l -> l.spec().name()));
    return listed;
  }

  public Optional<Listed> get(String name) {
    return list().stream().filter(l -> l.spec().name().equals(name)).findFirst();
  }

  public long now() {
    return clock.millis();
  }
}
