package dev.overseer.task;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/** JSON with object keys sorted at every depth: two bodies that mean the same encode the same. */
final class CanonicalJson {
  private CanonicalJson() {}

  static String encode(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value instanceof JsonObject object) {
      Map<String, Object> sorted = new TreeMap<>(object.getMap());
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        if (!first) out.append(',');
        first = false;
        out.append(Json.encode(e.getKey())).append(':');
        write(JsonObject.of("v", e.getValue()).getValue("v"), out);
      }
      out.append('}');
    } else if (value instanceof JsonArray array) {
      out.append('[');
      for (int i = 0; i < array.size(); i++) {
        if (i > 0) out.append(',');
        write(array.getValue(i), out);
      }
      out.append(']');
    } else {
      out.append(Json.encode(value));
    }
  }
}
