package dev.overseer.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartIntensityTest {
  @Test
  void more_than_intensity_failures_within_the_period_exceed_it() {
    RestartIntensity limit = new RestartIntensity(2, Duration.ofSeconds(10));
    assertThat(limit.recordFailure(1_000)).isFalse();
    assertThat(limit.recordFailure(2_000)).isFalse();
    assertThat(limit.recordFailure(3_000)).isTrue();
  }

  @Test
  void failures_older_than_the_period_are_forgotten() {
    RestartIntensity limit = new RestartIntensity(2, Duration.ofSeconds(10));
    limit.recordFailure(0);
    limit.recordFailure(5_000);
    assertThat(limit.recordFailure(10_000)).as("the failure at 0 left the window").isFalse();
    assertThat(limit.recent()).isEqualTo(2);
  }
}
