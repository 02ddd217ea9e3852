package dev.overseer.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.config.ProfileSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final ProfileSettings.Retry retry = new ProfileSettings.Retry(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.5);

  @Test
  void doubles_from_min_backoff_and_caps_at_max_backoff() {
    assertThat(Backoff.after(1, retry, 0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.after(2, retry, 0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.after(4, retry, 0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(Backoff.after(6, retry, 0)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Backoff.after(100, retry, 0)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void random_factor_stretches_by_at_most_its_share() {
    assertThat(Backoff.after(2, retry, 0.999)).isBetween(Duration.ofMillis(2000), Duration.ofMillis(3000));
    assertThat(Backoff.after(2, retry, 0.5)).isEqualTo(Duration.ofMillis(2500));
  }
}
