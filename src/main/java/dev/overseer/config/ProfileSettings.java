package dev.overseer.config;

import java.time.Duration;

/**
 * The tunable behaviour of a profile. Values under {@code defaults:} apply to every profile unless the
 * profile sets its own. Names follow OTP and Akka: {@code intensity} restarts per {@code period},
 * {@code minBackoff}/{@code maxBackoff}/{@code randomFactor}, and a shutdown {@code grace}.
 */
public record ProfileSettings(
    int concurrency,
    Duration timeout,
    int maxAttempts,
    Retry retry,
    Supervision supervisor,
    Duration shutdownGrace) {

  public record Retry(Duration minBackoff, Duration maxBackoff, double randomFactor) {}

  public record Supervision(
      Duration heartbeatInterval,
      int missedHeartbeatsLimit,
      Duration stallTimeout,
      int intensity,
      Duration period) {}

  public static final ProfileSettings BUILT_IN = new ProfileSettings(
      4,
      Duration.ofHours(1),
      3,
      new Retry(Duration.ofSeconds(1), Duration.ofMinutes(5), 0.2),
      new Supervision(Duration.ofSeconds(1), 5, Duration.ofMinutes(10), 10, Duration.ofSeconds(60)),
      Duration.ofSeconds(10));

  /** Reads the settings under {@code prefix}, each key falling back to {@code fallback}. */
  static ProfileSettings read(ConfigReader reader, String prefix, ProfileSettings fallback) {
    Duration ms1 = Duration.ofMillis(1);
    Retry retry = new Retry(
        reader.duration(prefix + "retry.minBackoff", fallback.retry.minBackoff, Duration.ZERO),
        reader.duration(prefix + "retry.maxBackoff", fallback.retry.maxBackoff, Duration.ZERO),
        reader.decimal(prefix + "retry.randomFactor", fallback.retry.randomFactor, 0.0, 1.0));
    if (retry.maxBackoff.compareTo(retry.minBackoff) < 0) {
      throw new ConfigException(prefix + "retry.maxBackoff", "must not be shorter than retry.minBackoff");
    }
    Supervision supervision = new Supervision(
        reader.duration(prefix + "supervisor.heartbeatInterval", fallback.supervisor.heartbeatInterval, Duration.ofMillis(10)),
        reader.integer(prefix + "supervisor.missedHeartbeatsLimit", fallback.supervisor.missedHeartbeatsLimit, 1, 1000),
        reader.duration(prefix + "supervisor.stallTimeout", fallback.supervisor.stallTimeout, ms1),
        reader.integer(prefix + "supervisor.intensity", fallback.supervisor.intensity, 1, 1_000_000),
        reader.duration(prefix + "supervisor.period", fallback.supervisor.period, ms1));
    return new ProfileSettings(
        reader.integer(prefix + "concurrency", fallback.concurrency, 1, 100_000),
        reader.duration(prefix + "timeout", fallback.timeout, Duration.ofSeconds(1)),
        reader.integer(prefix + "maxAttempts", fallback.maxAttempts, 1, 100),
        retry,
        supervision,
        reader.duration(prefix + "shutdown.grace", fallback.shutdownGrace, Duration.ZERO));
  }
}
