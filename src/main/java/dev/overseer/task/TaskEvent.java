package dev.overseer.task;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;

/** One entry of the append-only history. {@code taskId} is null for events about no task (tokens). */
public record TaskEvent(long id, UUID taskId, String type, String actor, OffsetDateTime at, JsonObject data) {}
