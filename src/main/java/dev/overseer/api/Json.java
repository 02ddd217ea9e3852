package dev.overseer.api;

import dev.overseer.auth.ApiToken;
import dev.overseer.config.Durations;
import dev.overseer.task.Task;
import dev.overseer.task.TaskEvent;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The wire form of Overseer's objects. Times are RFC 3339 in UTC. */
public final class Json {
  private Json() {}

  public static JsonObject task(Task t) {
    JsonObject progress = new JsonObject().put("percent", t.progressPercent()).put("message", t.progressMessage());
    return new JsonObject()
        .put("id", t.id().toString())
        .put("name", t.name())
        .put("profile", t.profile())
        .put("state", t.state().wireName())
        .put("priority", t.priority())
        .put("input", t.input())
        .put("output", t.output())
        .put("error", t.error())
        .put("escalation", t.escalation())
        .put("attempt", t.attempt())
        .put("maxAttempts", t.maxAttempts())
        .put("timeout", Durations.format(t.timeout()))
        .put("runAt", time(t.runAt()))
        .put("labels", new JsonObject(new java.util.LinkedHashMap<>(t.labels())))
        .put("progress", progress)
        .put("createdBy", t.createdBy())
        .put("createdAt", time(t.createdAt()))
        .put("updatedAt", time(t.updatedAt()))
        .put("startedAt", time(t.startedAt()))
        .put("finishedAt", time(t.finishedAt()))
        .put("version", t.version());
  }

  public static JsonObject event(TaskEvent e) {
    return new JsonObject()
        .put("id", e.id())
        .put("taskId", e.taskId() == null ? null : e.taskId().toString())
        .put("type", e.type())
        .put("actor", e.actor())
        .put("at", time(e.at()))
        .put("data", e.data());
  }

  public static JsonObject token(ApiToken t) {
    return new JsonObject()
        .put("name", t.name())
        .put("role", t.role().wireName())
        .put("createdAt", time(t.createdAt()))
        .put("createdBy", t.createdBy())
        .put("revokedAt", time(t.revokedAt()))
        .put("lastUsedAt", time(t.lastUsedAt()));
  }

  public static String time(OffsetDateTime time) {
    return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
  }
}
