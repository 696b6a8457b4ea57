package org.scix.pipeline.gateway.tasks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;
import org.scix.pipeline.gateway.http.HttpRouter;
import org.scix.pipeline.gateway.http.HttpRouter.Reply;
import org.scix.pipeline.gateway.http.Json;

/** The tasks over JSON ({@link TaskAdmin} does the work): list, pause, resume. */
public final class TasksHttpApi {
  private final TaskAdmin tasks;
  private final String actor;

  /** @param actor who the actions are logged as (the dashboard's token has no name) */
  public TasksHttpApi(TaskAdmin tasks, String actor) {
    this.tasks = tasks;
    this.actor = actor;
  }

  /** Adds {@code GET base} and {@code POST base/<task>/(pause|resume)} to {@code router}. */
  public HttpRouter routes(HttpRouter router, String base) {
    String b = Pattern.quote(base);
    return router
        .get(b + "/?", request -> Reply.ok(list()))
        .post(b + "/([A-Za-z0-9_]{1,32})/pause", request -> Reply.ok(json(tasks.setPaused(request.path(1), true, actor))))
        .post(b + "/([A-Za-z0-9_]{1,32})/resume", request -> Reply.ok(json(tasks.setPaused(request.path(1), false, actor))));
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
        .put("paused_by", view.pausedBy());
  }
}
