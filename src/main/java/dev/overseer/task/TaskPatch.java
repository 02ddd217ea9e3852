package dev.overseer.task;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * A change to a queued task. A null field is left as it is, except {@code runAt}: when {@code runAtSet},
 * a null {@code runAt} means "now". {@code expectedVersion} comes from {@code If-Match}.
 */
public record TaskPatch(
    String name,
    Integer priority,
    Map<String, String> labels,
    boolean runAtSet,
    OffsetDateTime runAt,
    Integer expectedVersion,
    JsonObject asSent) {}
