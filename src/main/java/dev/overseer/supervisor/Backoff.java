package dev.overseer.supervisor;

import dev.overseer.config.ProfileSettings;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Akka's restartWithBackoff: {@code minBackoff * 2^(attempt-1)}, capped at {@code maxBackoff}, then
 * stretched by up to {@code randomFactor} so that many failing tasks do not retry in lockstep.
 */
public final class Backoff {
  private Backoff() {}

  public static Duration after(int attempt, ProfileSettings.Retry retry) {
    return after(attempt, retry, ThreadLocalRandom.current().nextDouble());
  }

  /** @param random in [0, 1) */
  static Duration after(int attempt, ProfileSettings.Retry retry, double random) {
    long min = retry.minBackoff().toMillis();
    long max = retry.maxBackoff().toMillis();
    int doublings = Math.min(Math.max(attempt - 1, 0), 40);
    long base = min >= (Long.MAX_VALUE >> doublings) ? max : Math.min(max, min << doublings);
    return Duration.ofMillis((long) (base * (1 + random * retry.randomFactor())));
  }
}
