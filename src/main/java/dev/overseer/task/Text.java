package dev.overseer.task;

import dev.overseer.error.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Checks on text that PostgreSQL cannot store: a NUL character (U+0000) in text or jsonb. */
public final class Text {
  private Text() {}

  /** Fails with 422 naming the first field (JSON pointer under {@code pointer}) that holds a NUL. */
  public static void requireNoNul(Object value, String pointer) {
    if (value instanceof String s) {
      if (s.indexOf('\0') >= 0) throw Problem.invalidField(pointer.isEmpty() ? "/" : pointer, "must not contain NUL (\\u0000) characters");
    } else if (value instanceof JsonObject object) {
      for (var entry : object) {
        String child = pointer + "/" + entry.getKey();
        requireNoNul(entry.getKey(), child);
        requireNoNul(entry.getValue(), child);
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) requireNoNul(array.getValue(i), pointer + "/" + i);
    }
  }
}
