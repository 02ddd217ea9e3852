package dev.overseer.agent;

import io.vertx.core.json.JsonArray;
import java.util.UUID;

/**
 * Agent verticle → supervisor, every heartbeat interval ({@link dev.overseer.bus.Addresses#AGENT_HEARTBEAT}):
 * the attempt, its OS process if it has one, when it last showed activity, its latest progress (null
 * when it reported none) and the log lines since the previous heartbeat (null when none). Node-local,
 * passed as is by {@link dev.overseer.bus.LocalCodec}.
 */
public record Heartbeat(
    UUID taskId,
    int attempt,
    long pid,
    long pidStartedAt,
    long lastActivity,
    AgentActivity.Progress progress,
    JsonArray lines,
    long droppedLines) {}
