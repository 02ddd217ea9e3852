package dev.overseer.task;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/** A task as stored. {@code seq} orders listings; {@code requestHash} identifies an idempotent create. */
public record Task(
    UUID id,
    long seq,
    String name,
    String profile,
    TaskState state,
    int priority,
    Object input,
    Object output,
    Object error,
    Object escalation,
    int attempt,
    int maxAttempts,
    Duration timeout,
    OffsetDateTime runAt,
    Map<String, String> labels,
    Integer progressPercent,
    String progressMessage,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime startedAt,
    OffsetDateTime finishedAt,
    int version,
    String requestHash) {}
