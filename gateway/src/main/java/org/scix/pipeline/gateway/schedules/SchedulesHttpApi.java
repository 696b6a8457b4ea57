package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.regex.Pattern;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;

/** The schedules over JSON ({@link ScheduleAdmin} does the work): list, create or replace, pause, resume, delete. */
public final class SchedulesHttpApi {
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String NAME = "([A-Za-z0-9._-]{1," + ScheduleSpec.MAX_NAME_LENGTH + "})";

  private final ScheduleAdmin schedules;

  public SchedulesHttpApi(ScheduleAdmin schedules) {
    this.schedules = schedules;
  }

  /** Adds {@code GET base}, {@code POST base} and {@code POST base/<name>/(pause|resume|delete)} to {@code router}. */
  public HttpRouter routes(HttpRouter router, String base) {
    String b = Pattern.quote(base);
    return router
        .get(b + "/?", request -> Reply.ok(list()))
        .post(b + "/?", request -> Reply.ok(schedules.create(body(request)).describe()))
        .post(b + "/" + NAME + "/pause", request -> Reply.ok(schedules.setPaused(request.path(1), true).describe()))
        .post(b + "/" + NAME + "/resume", request -> Reply.ok(schedules.setPaused(request.path(1), false).describe()))
        .post(b + "/" + NAME + "/delete", request -> {
          schedules.delete(request.path(1));
          return Reply.ok(Json.object().put("name", request.path(1)).put("deleted", true));
        });
  }

  private ObjectNode list() {
    ObjectNode answer = Json.object();
    ArrayNode list = answer.putArray("schedules");
    schedules.list().forEach(listed -> list.add(describe(listed)));
    return answer;
  }

  private static ObjectNode describe(ScheduleCatalog.Listed listed) {
    ObjectNode node = listed.spec().describe();
    node.put("last_tick", listed.lastTick() > 0 ? Instant.ofEpochMilli(listed.lastTick()).toString() : null);
    node.put("next_tick", listed.nextTick() < Long.MAX_VALUE ? Instant.ofEpochMilli(listed.nextTick()).toString() : null);
    return node;
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
