package dev.overseer.task;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * A task about to be created, with every default already applied from its profile. {@code requestHash}
 * and {@code idempotencyKey} are both null unless the client sent an {@code Idempotency-Key}.
 */
public record NewTask(
    UUID id,
    String name,
    String profile,
    int priority,
    JsonObject input,
    int maxAttempts,
    Duration timeout,
    OffsetDateTime runAt,
    Map<String, String> labels,
    String createdBy,
    String idempotencyKey,
    String requestHash) {}
