package dev.overseer.store;

import dev.overseer.task.Task;
import dev.overseer.task.TaskEvent;
import dev.overseer.task.TaskState;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Maps rows of {@code tasks} and {@code task_events} to the model. */
final class Rows {
  private Rows() {}

  static Task task(Row row) {
    return new Task(
        row.getUUID("id"),
        row.getLong("seq"),
        row.getString("name"),
        row.getString("profile"),
        TaskState.fromWire(row.getString("state")),
        row.getInteger("priority"),
        json(row, "input"),
        json(row, "output"),
        json(row, "error"),
        json(row, "escalation"),
        row.getInteger("attempt"),
        row.getInteger("max_attempts"),
        Duration.ofMillis(row.getLong("timeout_ms")),
        row.getOffsetDateTime("run_at"),
        labels(row.getJsonObject("labels")),
        row.getInteger("progress_percent"),
        row.getString("progress_message"),
        row.getString("created_by"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"),
        row.getOffsetDateTime("started_at"),
        row.getOffsetDateTime("finished_at"),
        row.getInteger("version"),
        row.getString("request_hash"));
  }

  static TaskEvent event(Row row) {
    return new TaskEvent(
        row.getLong("id"),
        row.getUUID("task_id"),
        row.getString("type"),
        row.getString("actor"),
        row.getOffsetDateTime("at"),
        row.getJsonObject("data"));
  }

  /** A jsonb column: a JSON null comes back as SQL null, never as the client's JSON_NULL marker. */
  private static Object json(Row row, String column) {
    Object value = row.getValue(column);
    return value == io.vertx.sqlclient.Tuple.JSON_NULL ? null : value;
  }

  /** An instant as the timestamptz parameter the pg client takes; null stays null. */
  static java.time.OffsetDateTime utc(java.time.Instant instant) {
    return instant == null ? null : java.time.OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.UTC);
  }

  static JsonObject labelsJson(Map<String, String> labels) {
    return labels == null ? null : new JsonObject(new LinkedHashMap<>(labels));
  }

  private static Map<String, String> labels(JsonObject json) {
    Map<String, String> out = new LinkedHashMap<>();
    if (json != null) json.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }
}
