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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * lists the newest entries. An entry that cannot be written now (Kafka away) is written again,
 * with backoff, for up to {@link #RETRY_FOR}: the action itself stands, and its entry must say what
 * was done. Each entry has an id, so one written twice (a retry after an outcome-unknown commit
 * that did commit) is listed once.
 */
public final class AuditLog {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  /** At most this many entries are listed. */
  public static final int MAX_LISTED = 500;
  /** How long an entry that cannot be written is tried again (first after 1 s, then doubling up to 30 s). */
  static final Duration RETRY_FOR = Duration.ofMinutes(10);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

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

  /** Records an action; never throws (an entry not written now is tried again; the action stands). */
  public void record(String who, String action, String target, String detail) {
    Entry entry = new Entry(clock.instant(), who == null || who.isBlank() ? "unknown" : who, action, target, detail);
    log.info("audit: {} {} {}{}", entry.who(), action, target, detail == null ? "" : " (" + detail + ")");
    ObjectNode value = Json.object().put("id", UUID.randomUUID().toString()).put("at", entry.at().toString()).put("who", entry.who())
        .put("action", action).put("target", target).put("detail", detail);
    write(entry, value.toString().getBytes(StandardCharsets.UTF_8), System.nanoTime() + RETRY_FOR.toNanos(), Duration.ofSeconds(1));
  }

  private void write(Entry entry, byte[] value, long giveUpAt, Duration backoff) {
    CompletableFuture<Void> written;
    try {
      written = submitter.write(entry.target(), "audit entry", new ProducerRecord<>(topic, 0, entry.target(), value));
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    written.whenComplete((ok, error) -> {
      if (error == null) {
        return;
      }
      if (System.nanoTime() + backoff.toNanos() > giveUpAt) {
        log.error("audit entry not written after {} min ({} {} {}): {}", RETRY_FOR.toMinutes(), entry.who(), entry.action(),
            entry.target(), error.toString());
        return;
      }
      log.warn("audit entry not written yet ({} {} {}): {}; trying again in {} s", entry.who(), entry.action(), entry.target(),
          error.toString(), backoff.toSeconds());
      Duration next = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      CompletableFuture.delayedExecutor(backoff.toMillis(), TimeUnit.MILLISECONDS).execute(() -> write(entry, value, giveUpAt, next));
    });
  }

  /** The newest entries, newest first, at most {@code limit} (up to {@value #MAX_LISTED}). */
  public List<Entry> newest(int limit) {
    int wanted = Math.max(1, Math.min(limit, MAX_LISTED));
    TopicPartition partition = new TopicPartition(topic, 0);
    Map<String, Entry> entries = new LinkedHashMap<>(); // by id: an entry written twice is listed once
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
            entries.putIfAbsent(idOf(record.value(), record.offset()), entry);
          }
        }
      }
    }
    List<Entry> newestFirst = new ArrayList<>(entries.values());
    Collections.reverse(newestFirst);
    return newestFirst.size() > wanted ? newestFirst.subList(0, wanted) : newestFirst;
  }

  /** An entry's id; entries written before ids are told apart by their offset. */
  private static String idOf(byte[] value, long offset) {
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      return node.hasNonNull("id") ? node.get("id").asText() : "offset-" + offset;
    } catch (IOException | RuntimeException e) {
      return "offset-" + offset;
    }
  }

  private static Entry parse(byte[] value) {
    if (value == null) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      return new Entry(Instant.parse(node.path("at").asText()), Json.text(node, "who"), Json.text(node, "action"),
          Json.text(node, "target"), Json.text(node, "detail"));
    } catch (IOException | RuntimeException e) {
      return null; // not an entry this version writes: left out
    }
  }
}
