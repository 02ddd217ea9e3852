package dev.overseer.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Percentiles (nearest rank) and the number format of the figures. */
final class Stats {
  private Stats() {}

  /** The nearest-rank percentile {@code p} (0..100) of the values; NaN when there are none. */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** One decimal, or none for large values. */
  static String fmt(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) return "unsupported";
    if (Math.abs(value) >= 1000) return String.format(Locale.ROOT, "%.0f", value);
    if (Math.abs(value) >= 10) return String.format(Locale.ROOT, "%.1f", value);
    return String.format(Locale.ROOT, "%.2f", value);
  }

  static String summary(List<Double> values) {
    if (values.isEmpty()) return "no samples";
    return String.format(Locale.ROOT, "n=%d min=%s p50=%s p90=%s p99=%s max=%s", values.size(),
        fmt(percentile(values, 0)), fmt(percentile(values, 50)), fmt(percentile(values, 90)),
        fmt(percentile(values, 99)), fmt(percentile(values, 100)));
  }
}
