package dev.overseer.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes in the config: a plain number of bytes, or {@code 512KiB}, {@code 1MiB}, {@code 2GiB}. */
public final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB)?");

  private ByteSizes() {}

  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (write bytes, or 512KiB, 1MiB, 2GiB)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KiB" -> amount << 10;
      case "MiB" -> amount << 20;
      case "GiB" -> amount << 30;
      default -> amount;
    };
  }
}
