package dev.overseer.agent;

import io.vertx.core.json.JsonObject;

/** How an attempt ended by itself: success with an output, or a failure that may be retried. */
public record AgentOutcome(boolean succeeded, Object output, String message, boolean retryable, String reason,
    JsonObject details) {

  public static AgentOutcome success(Object output) {
    return new AgentOutcome(true, output, null, false, null, null);
  }

  public static AgentOutcome failure(String reason, String message, boolean retryable, JsonObject details) {
    return new AgentOutcome(false, null, message, retryable, reason, details);
  }

  /** The error object stored on the task. */
  public JsonObject errorJson() {
    JsonObject error = new JsonObject().put("reason", reason).put("message", message).put("retryable", retryable);
    if (details != null) error.mergeIn(details);
    return error;
  }
}
