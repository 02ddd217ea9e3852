package dev.overseer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({"250ms, 250", "30s, 30000", "15m, 900000", "2h, 7200000", "1d, 86400000", "PT30S, 30000", "PT1M30S, 90000"})
  void parses_short_and_iso_forms(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "30", "30 s", "-5s", "PT-5S", "1w", "s"})
  void refuses_what_is_not_a_duration(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"250, 250ms", "1000, 1s", "90000, 90s", "900000, 15m", "7200000, 2h", "86400000, 1d", "0, 0s"})
  void formats_the_shortest_exact_form(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
  }
}
