package dev.overseer.supervisor;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * OTP's restart intensity for one profile: more than {@code intensity} agent failures within
 * {@code period} means restarting does not help, and the supervisor escalates.
 */
final class RestartIntensity {
  private final int intensity;
  private final long periodMillis;
  private final ArrayDeque<Long> failures = new ArrayDeque<>();

  RestartIntensity(int intensity, Duration period) {
    this.intensity = intensity;
    this.periodMillis = period.toMillis();
  }

  /** Records a failure at {@code nowMillis}; true when the limit is now exceeded. */
  boolean recordFailure(long nowMillis) {
    failures.addLast(nowMillis);
    while (!failures.isEmpty() && failures.peekFirst() <= nowMillis - periodMillis) {
      failures.removeFirst();
    }
    return failures.size() > intensity;
  }

  int recent() {
    return failures.size();
  }

  void reset() {
    failures.clear();
  }
}
