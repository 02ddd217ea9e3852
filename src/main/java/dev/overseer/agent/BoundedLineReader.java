package dev.overseer.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads lines of at most {@code maxBytes}; a longer line is cut there, marked, and the rest of it is
 * skipped. A process that floods its output without newlines costs {@code maxBytes} of memory, no more.
 */
final class BoundedLineReader {
  static final String TRUNCATED_MARK = " [truncated]";

  private BoundedLineReader() {}

  /** Calls {@code onLine} for every line until end of stream; blocking, so run it on a thread of its own. */
  static void readLines(InputStream in, int maxBytes, Consumer<String> onLine) throws IOException {
    byte[] line = new byte[maxBytes];
    byte[] chunk = new byte[8192];
    int length = 0;
    boolean skipping = false;
    int n;
    while ((n = in.read(chunk)) > 0) {
      for (int i = 0; i < n; i++) {
        byte b = chunk[i];
        if (b == '\n') {
          if (!skipping) onLine.accept(decode(line, length));
          length = 0;
          skipping = false;
        } else if (skipping) {
          // the rest of an over-long line
        } else if (length == maxBytes) {
          onLine.accept(decode(line, length) + TRUNCATED_MARK);
          skipping = true;
        } else {
          line[length++] = b;
        }
      }
    }
    if (length > 0 && !skipping) onLine.accept(decode(line, length));
  }

  private static String decode(byte[] bytes, int length) {
    int end = length;
    if (end > 0 && bytes[end - 1] == '\r') end--;
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }
}
