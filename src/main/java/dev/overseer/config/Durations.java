package dev.overseer.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of Overseer, used by the config and the API alike: {@code 250ms}, {@code 30s},
 * {@code 15m}, {@code 2h}, {@code 1d}, or ISO-8601 such as {@code PT30S}.
 */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  private Durations() {}

  /** Parses a duration; throws {@link IllegalArgumentException} with a readable reason. */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a duration is required, such as 30s, 15m or PT30S");
    }
    String trimmed = text.trim();
    Matcher m = SHORT.matcher(trimmed);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      Duration iso = Duration.parse(trimmed);
      if (iso.isNegative()) {
        throw new IllegalArgumentException("'" + text + "' is negative");
      }
      return iso;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (write 250ms, 30s, 15m, 2h, 1d or ISO-8601 such as PT30S)");
    }
  }

  /** The shortest exact short form: 90000ms becomes {@code 90s}, 3600000ms becomes {@code 1h}. */
  public static String format(Duration duration) {
    long ms = duration.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms % 86_400_000L == 0) return ms / 86_400_000L + "d";
    if (ms % 3_600_000L == 0) return ms / 3_600_000L + "h";
    if (ms % 60_000L == 0) return ms / 60_000L + "m";
    if (ms % 1_000L == 0) return ms / 1_000L + "s";
    return ms + "ms";
  }
}
