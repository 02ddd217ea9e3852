package dev.overseer.api;

import dev.overseer.error.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque listing cursors: clients pass back what they got in {@code next}; the content is ours to change. */
final class Cursors {
  private static final String PREFIX = "s1:";

  private Cursors() {}

  static String encode(long seq) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + seq).getBytes(StandardCharsets.UTF_8));
  }

  static long decode(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith(PREFIX)) {
        long seq = Long.parseLong(text.substring(PREFIX.length()));
        if (seq > 0) return seq;
      }
    } catch (IllegalArgumentException e) {
      // falls through to the problem below
    }
    throw Problem.badRequest("cursor is not one this server handed out",
        java.util.List.of(new Problem.FieldError("cursor", "not a cursor from a previous page's next")));
  }
}
