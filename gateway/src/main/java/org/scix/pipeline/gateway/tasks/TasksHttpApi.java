package org.scix.pipeline.gateway.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.regex.Pattern;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;

/** The tasks over JSON ({@link TaskAdmin} does the work): list, pause, resume, set the concurrency limit. */
public final class TasksHttpApi {
  private static final int MAX_BODY_BYTES = 1024;
  private final TaskAdmin tasks;
  private final String defaultActor;

  /** @param defaultActor who the actions are logged as when the request names no operator (the dashboard's token has no name) */
  public TasksHttpApi(TaskAdmin tasks, String defaultActor) {
    this.tasks = tasks;
    this.defaultActor = defaultActor;
  }

  /**
   * Adds {@code GET base}, {@code POST base/<task>/(pause|resume)} and {@code POST
   * base/<task>/concurrency} (body {@code {"concurrency": N}}, null lifts the limit) to {@code router}.
   */
  public HttpRouter routes(HttpRouter router, String base) {
    String b = Pattern.quote(base);
    return router
        .get(b + "/?", request -> Reply.ok(list()))
        .post(b + "/([A-Za-z0-9_]{1,32})/pause", request -> Reply.ok(json(tasks.setPaused(request.path(1), true, request.operator(defaultActor)))))
        .post(b + "/([A-Za-z0-9_]{1,32})/resume", request -> Reply.ok(json(tasks.setPaused(request.path(1), false, request.operator(defaultActor)))))
        .post(b + "/([A-Za-z0-9_]{1,32})/concurrency", request -> Reply.ok(json(tasks.setConcurrency(request.path(1),
            concurrency(request), request.operator(defaultActor)))));
  }

  private static Integer concurrency(HttpRouter.Request request) throws IOException {
    JsonNode body = Json.body(request.exchange(), MAX_BODY_BYTES);
    JsonNode value = body.get("concurrency");
    if (value == null) {
      throw new InvalidRequestException("expected {\"concurrency\": N}, or {\"concurrency\": null} to lift the limit");
    }
    if (value.isNull()) {
      return null;
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new InvalidRequestException("concurrency: a whole number 1 to " + TaskAdmin.MAX_CONCURRENCY + ", or null, not " + value);
    }
    return value.intValue();
  }

  private ObjectNode list() {
    ObjectNode answer = Json.object();
    ArrayNode list = answer.putArray("tasks");
    tasks.list().forEach(view -> list.add(json(view)));
    return answer;
  }

  private static ObjectNode json(TaskAdmin.TaskView view) {
    return Json.object().put("task", view.task()).put("paused", view.paused())
        .put("paused_at", view.pausedAt() == null ? null : view.pausedAt().toString())
        .put("paused_by", view.pausedBy())
        .put("concurrency", view.concurrency());
  }
}
