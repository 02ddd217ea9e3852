package dev.overseer.agent;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** The JSON-lines messages an agent process may write on stdout. */
final class AgentProtocol {
  static final Set<String> TYPES = Set.of("heartbeat", "progress", "log", "result", "error");
  private static final int MAX_MESSAGE_CHARS = 1000;

  private AgentProtocol() {}

  /** The message, or null when the line is not one (then it is a log line). */
  static JsonObject parse(String line) {
    String trimmed = line.trim();
    if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return null;
    try {
      JsonObject message = new JsonObject(trimmed);
      return message.getValue("type") instanceof String type && TYPES.contains(type) ? message : null;
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  static Integer percent(JsonObject message) {
    Object value = message.getValue("percent");
    if (!(value instanceof Number n)) return null;
    return (int) Math.max(0, Math.min(100, Math.round(n.doubleValue())));
  }

  static String text(Object value) {
    if (value == null) return null;
    String text = value.toString();
    return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + BoundedLineReader.TRUNCATED_MARK;
  }
}
