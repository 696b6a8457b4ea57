package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.gateway.submit.JobSubmitter;

/**
 * The schedules over JSON: list (with each one's last and next tick), create or replace, pause,
 * resume, delete. Changes are written through the submit transactions to the schedules topic,
 * where the replica that owns the schedule picks them up.
 */
public final class SchedulesHttpApi {
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);
  private static final String NAME = "([A-Za-z0-9._-]{1," + ScheduleSpec.MAX_NAME_LENGTH + "})";

  private final ScheduleCatalog catalog;
  private final JobSubmitter submitter;
  private final String topic;
  private final int partitions;

  public SchedulesHttpApi(ScheduleCatalog catalog, JobSubmitter submitter, String topic, int partitions) {
    this.catalog = catalog;
    this.submitter = submitter;
    this.topic = topic;
    this.partitions = partitions;
  }

  /** Adds {@code GET base}, {@code POST base} and {@code POST base/<name>/(pause|resume|delete)} to {@code router}. */
  public HttpRouter routes(HttpRouter router, String base) {
    String b = Pattern.quote(base);
    return router
        .get(b + "/?", request -> Reply.ok(list()))
        .post(b + "/?", request -> Reply.ok(create(body(request))))
        .post(b + "/" + NAME + "/pause", request -> Reply.ok(setPaused(request.path(1), true)))
        .post(b + "/" + NAME + "/resume", request -> Reply.ok(setPaused(request.path(1), false)))
        .post(b + "/" + NAME + "/delete", request -> Reply.ok(delete(request.path(1))));
  }

  private ObjectNode list() {
    ObjectNode answer = Json.object();
    ArrayNode schedules = answer.putArray("schedules");
    catalog.list().forEach(listed -> schedules.add(describe(listed)));
    return answer;
  }

  private static ObjectNode describe(ScheduleCatalog.Listed listed) {
    ObjectNode node = listed.spec().describe();
    node.put("last_tick", listed.lastTick() > 0 ? Instant.ofEpochMilli(listed.lastTick()).toString() : null);
    node.put("next_tick", listed.nextTick() < Long.MAX_VALUE ? Instant.ofEpochMilli(listed.nextTick()).toString() : null);
    return node;
  }

  private ObjectNode create(JsonNode body) throws Exception {
    ScheduleSpec spec = ScheduleSpec.fromRequest(body, catalog.now());
    write(spec.name(), "schedule " + spec.name() + " created", ScheduleRecords.schedule(topic, partitions, spec));
    return spec.describe();
  }

  private ObjectNode setPaused(String name, boolean paused) throws Exception {
    ScheduleSpec spec = catalog.get(name).orElseThrow(() -> new NotFoundException("no schedule " + name)).spec();
    write(name, "schedule " + name + (paused ? " paused" : " resumed"), ScheduleRecords.schedule(topic, partitions, spec.withPaused(paused)));
    return spec.withPaused(paused).describe();
  }

  private ObjectNode delete(String name) throws Exception {
    catalog.get(name).orElseThrow(() -> new NotFoundException("no schedule " + name));
    for (ProducerRecord<String, Object> tombstone : ScheduleRecords.deleted(topic, partitions, name)) {
      write(name, "schedule " + name + " deleted", tombstone);
    }
    return Json.object().put("name", name).put("deleted", true);
  }

  private void write(String name, String what, ProducerRecord<String, Object> record) throws Exception {
    submitter.write(name, what, record).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static JsonNode body(HttpRouter.Request request) throws IOException {
    try (InputStream in = request.exchange().getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw new InvalidRequestException("a schedule is at most " + MAX_BODY_BYTES + " bytes of JSON");
      }
      try {
        return Json.MAPPER.readTree(bytes);
      } catch (IOException e) {
        throw new InvalidRequestException("not JSON: " + e.getMessage());
      }
    }
  }
}
