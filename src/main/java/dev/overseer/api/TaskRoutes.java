package dev.overseer.api;

import dev.overseer.auth.Principal;
import dev.overseer.config.ProfileConfig;
import dev.overseer.error.Problem;
import dev.overseer.task.NewTask;
import dev.overseer.task.Task;
import dev.overseer.task.TaskFilter;
import dev.overseer.task.TaskRequests;
import dev.overseer.task.TaskService;
import dev.overseer.task.TaskState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** HTTP handlers for {@code /api/v1/tasks}. Rules live in {@link TaskService}; this class translates. */
final class TaskRoutes {
  private final TaskService tasks;
  private final Map<String, ProfileConfig> profiles;

  TaskRoutes(TaskService tasks, Map<String, ProfileConfig> profiles) {
    this.tasks = tasks;
    this.profiles = profiles;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("createTask").addHandler(this::create);
    builder.getRoute("createTasks").addHandler(this::createBatch);
    builder.getRoute("listTasks").addHandler(this::list);
    builder.getRoute("getTask").addHandler(this::get);
    builder.getRoute("patchTask").addHandler(this::patch);
    builder.getRoute("deleteTask").addHandler(this::delete);
    builder.getRoute("listTaskEvents").addHandler(this::events);
    builder.getRoute("retryTask").addHandler(this::retry);
    builder.getRoute("listTaskLogs").addHandler(this::logs);
  }

  private void create(RoutingContext rc) {
    Principal actor = Authentication.principal(rc);
    NewTask task = TaskRequests.create(Http.body(rc), "", actor, profiles, Http.header(rc, "Idempotency-Key"));
    tasks.create(task).onSuccess(created -> {
      rc.response().putHeader("Location", "/api/v1/tasks/" + created.task().id());
      respondWithTask(rc, created.fresh() ? 201 : 200, created.task());
    }).onFailure(rc::fail);
  }

  private void createBatch(RoutingContext rc) {
    Principal actor = Authentication.principal(rc);
    JsonArray items = Http.body(rc).getJsonArray("tasks");
    List<NewTask> batch = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      batch.add(TaskRequests.create(items.getJsonObject(i), "/tasks/" + i, actor, profiles, null));
    }
    tasks.createAll(batch).map(created -> {
      JsonArray out = new JsonArray();
      created.forEach(t -> out.add(Json.task(t)));
      return new JsonObject().put("items", out);
    }).onSuccess(json -> Http.json(rc, 201, json)).onFailure(rc::fail);
  }

  private void list(RoutingContext rc) {
    RequestParameter state = Http.query(rc, "state");
    RequestParameter profile = Http.query(rc, "profile");
    RequestParameter limit = Http.query(rc, "limit");
    RequestParameter cursor = Http.query(rc, "cursor");
    TaskFilter filter = new TaskFilter(
        state == null ? null : TaskState.fromWire(state.getString()),
        profile == null ? null : profile.getString(),
        labels(Http.query(rc, "label")),
        cursor == null ? null : Cursors.decode(cursor.getString()),
        limit == null ? 50 : limit.getInteger());
    tasks.list(filter).map(page -> {
      JsonArray items = new JsonArray();
      page.items().forEach(t -> items.add(Json.task(t)));
      return new JsonObject().put("items", items).put("next", page.nextSeq() == null ? null : Cursors.encode(page.nextSeq()));
    }).onSuccess(json -> Http.json(rc, 200, json)).onFailure(rc::fail);
  }

  private void get(RoutingContext rc) {
    tasks.get(Http.taskId(rc)).onSuccess(task -> respondWithTask(rc, 200, task)).onFailure(rc::fail);
  }

  private void patch(RoutingContext rc) {
    Integer expected = ifMatch(Http.header(rc, "If-Match"));
    tasks.patch(Http.taskId(rc), TaskRequests.patch(Http.body(rc), expected), Authentication.principal(rc))
        .onSuccess(task -> respondWithTask(rc, 200, task))
        .onFailure(rc::fail);
  }

  private void delete(RoutingContext rc) {
    tasks.delete(Http.taskId(rc), Authentication.principal(rc))
        .onSuccess(task -> rc.response().setStatusCode(204).end())
        .onFailure(rc::fail);
  }

  private void retry(RoutingContext rc) {
    java.util.UUID id = Http.taskId(rc);
    Integer asked = Http.body(rc).getInteger("maxAttempts");
    tasks.get(id).compose(task -> tasks.retry(id,
            asked != null ? asked : profiles.containsKey(task.profile()) ? profiles.get(task.profile()).settings().maxAttempts() : 1,
            Authentication.principal(rc)))
        .onSuccess(task -> respondWithTask(rc, 200, task))
        .onFailure(rc::fail);
  }

  private void logs(RoutingContext rc) {
    RequestParameter attempt = Http.query(rc, "attempt");
    RequestParameter after = Http.query(rc, "after");
    RequestParameter limit = Http.query(rc, "limit");
    tasks.logs(Http.taskId(rc), attempt == null ? null : attempt.getInteger(), after == null ? -1 : after.getLong(),
            limit == null ? 1000 : limit.getInteger())
        .map(lines -> {
          JsonArray items = new JsonArray();
          lines.forEach(l -> items.add(new JsonObject().put("line", l.line()).put("at", Json.time(l.at()))
              .put("stream", l.stream()).put("level", l.level()).put("message", l.message())));
          return new JsonObject().put("items", items);
        })
        .onSuccess(json -> Http.json(rc, 200, json))
        .onFailure(rc::fail);
  }

  private void events(RoutingContext rc) {
    RequestParameter after = Http.query(rc, "after");
    RequestParameter limit = Http.query(rc, "limit");
    tasks.events(Http.taskId(rc), after == null ? 0 : after.getLong(), limit == null ? 1000 : limit.getInteger())
        .onSuccess(events -> {
          JsonArray items = new JsonArray();
          events.forEach(e -> items.add(Json.event(e)));
          Http.json(rc, 200, new JsonObject().put("items", items));
        })
        .onFailure(rc::fail);
  }

  private static void respondWithTask(RoutingContext rc, int status, Task task) {
    JsonObject json;
    try {
      json = Json.task(task);
    } catch (RuntimeException e) {
      rc.fail(e);
      return;
    }
    rc.response().putHeader("ETag", "\"" + task.version() + "\"");
    Http.json(rc, status, json);
  }

  /** {@code "3"}, {@code 3} or {@code W/"3"}: the contract's pattern already checked the form. */
  private static Integer ifMatch(String header) {
    if (header == null) return null;
    return Integer.valueOf(header.replace("W/", "").replace("\"", ""));
  }

  private static Map<String, String> labels(RequestParameter param) {
    if (param == null) return null;
    Map<String, String> labels = new LinkedHashMap<>();
    JsonArray values = param.getJsonArray();
    for (int i = 0; i < values.size(); i++) {
      String pair = values.getString(i);
      int colon = pair.indexOf(':');
      if (colon < 1) throw Problem.badRequest("label must be key:value", List.of(new Problem.FieldError("label", pair)));
      labels.put(pair.substring(0, colon), pair.substring(colon + 1));
    }
    return labels;
  }
}
