package dev.overseer.stream;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** One positioned event, as every reader sees it: the stream, SSE, polling and the event bus. */
public record StreamEvent(long position, long id, UUID taskId, String type, String actor, OffsetDateTime at,
    JsonObject data, String profile) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("position", position)
        .put("id", id)
        .put("taskId", taskId == null ? null : taskId.toString())
        .put("profile", profile)
        .put("type", type)
        .put("actor", actor)
        .put("at", at == null ? null : at.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString())
        .put("data", data);
  }
}
