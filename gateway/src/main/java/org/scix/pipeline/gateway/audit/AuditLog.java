package org.scix.pipeline.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.scix.pipeline.core.config.KafkaSettings;
import org.scix.pipeline.core.kafka.TopicReader;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.submit.JobSubmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators did: every control action (pause, resume, limits, bulk retries and cancels, a
 * dead letter's replay or discard, a cancel from the dashboard, schedule changes) is logged and
 * appended to the audit topic ({@code AUDIT_TOPIC}, one partition, kept 90 days) through the
 * submitter's transactional lanes, as JSON: when, who, what, on what, and the outcome. Any replica
 * lists the newest entries. An entry that cannot be written is logged (the action itself stands).
 */
public final class AuditLog {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  /** At most this many entries are listed. */
  public static final int MAX_LISTED = 500;

  /** One action: who did what to which target, and what came of it. */
  public record Entry(Instant at, String who, String action, String target, String detail) {}

  private final JobSubmitter submitter;
  private final KafkaSettings kafka;
  private final String topic;
  private final String readerId;
  private final Clock clock;

  public AuditLog(JobSubmitter submitter, KafkaSettings kafka, String topic, String readerId, Clock clock) {
    this.submitter = submitter;
    this.kafka = kafka;
    this.topic = topic;
    this.readerId = readerId;
    this.clock = clock;
  }

  /** Records an action; never throws (an entry lost is logged, the action stands). */
  public void record(String who, String action, String target, String detail) {
    Entry entry = new Entry(clock.instant(), who == null || who.isBlank() ? "unknown" : who, action, target, detail);
    log.info("audit: {} {} {}{}", entry.who(), action, target, detail == null ? "" : " (" + detail + ")");
    ObjectNode value = Json.object().put("at", entry.at().toString()).put("who", entry.who()).put("action", action)
        .put("target", target).put("detail", detail);
    try {
      submitter.write(target, "audit entry", new ProducerRecord<>(topic, 0, target, value.toString().getBytes(StandardCharsets.UTF_8)))
          .whenComplete((ok, error) -> {
            if (error != null) {
              log.error("audit entry not written ({} {} {}): {}", entry.who(), action, target, error.toString());
            }
          });
    } catch (RuntimeException e) {
      log.error("audit entry not written ({} {} {}): {}", entry.who(), action, target, e.toString());
    }
  }

  /** The newest entries, newest first, at most {@code limit} (up to {@value #MAX_LISTED}). */
  public List<Entry> newest(int limit) {
    int wanted = Math.max(1, Math.min(limit, MAX_LISTED));
    TopicPartition partition = new TopicPartition(topic, 0);
    List<Entry> entries = new ArrayList<>();
    try (TopicReader reader = TopicReader.open(kafka, readerId)) {
      Consumer<String, byte[]> consumer = reader.consumer();
      consumer.assign(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
      long start = Math.max(consumer.beginningOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition), end - wanted);
      consumer.seek(partition, start);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Entry entry = parse(record.value());
          if (entry != null) {
            entries.add(entry);
          }
        }
      }
    }
    Collections.reverse(entries);
    return entries.size() > wanted ? entries.subList(0, wanted) : entries;
  }

  private static Entry parse(byte[] value) {
    if (value == null) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      return new Entry(Instant.parse(node.path("at").asText()), text(node, "who"), text(node, "action"), text(node, "target"),
          text(node, "detail"));
    } catch (IOException | RuntimeException e) {
      return null; // not an entry this version writes: left out
    }
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }
}
