package dev.overseer.agent;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code {task.id}}, {@code {task.attempt}} and {@code {input.<field>}} into the elements of a
 * profile's argv. Each element stays exactly one argument and nothing goes through a shell, so task
 * input such as {@code ; rm -rf /} or {@code $(...)} reaches the process as literal text.
 */
public final class ArgvTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(task\\.id|task\\.attempt|input\\.([A-Za-z0-9_-]+))}");

  private ArgvTemplate() {}

  public static List<String> render(List<String> argv, UUID taskId, int attempt, JsonObject input) {
    List<String> out = new ArrayList<>(argv.size());
    for (String element : argv) {
      Matcher m = PLACEHOLDER.matcher(element);
      StringBuilder rendered = new StringBuilder();
      while (m.find()) {
        String value = switch (m.group(1)) {
          case "task.id" -> taskId.toString();
          case "task.attempt" -> Integer.toString(attempt);
          default -> inputField(input, m.group(2));
        };
        m.appendReplacement(rendered, Matcher.quoteReplacement(value));
      }
      m.appendTail(rendered);
      out.add(rendered.toString());
    }
    return out;
  }

  /** A string field as it is; any other JSON value encoded; a missing field as the empty string. */
  private static String inputField(JsonObject input, String field) {
    Object value = input == null ? null : input.getValue(field);
    if (value == null) return "";
    if (value instanceof String s) return s;
    return io.vertx.core.json.Json.encode(value);
  }
}
