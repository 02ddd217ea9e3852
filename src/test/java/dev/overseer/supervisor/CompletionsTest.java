package dev.overseer.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;

/** Which failed writes of successes are tried again (the rest are left to the attempts' leases). */
class CompletionsTest {
  @Test
  void lost_connections_deadlocks_and_a_server_going_away_are_retried() {
    assertThat(Completions.worthRetrying(new VertxException("Connection closed", true))).isTrue();
    assertThat(Completions.worthRetrying(pg("40P01"))).as("deadlock victim").isTrue();
    assertThat(Completions.worthRetrying(pg("40001"))).as("serialization failure").isTrue();
    assertThat(Completions.worthRetrying(pg("57P01"))).as("admin shutdown").isTrue();
    assertThat(Completions.worthRetrying(pg("08006"))).as("connection failure").isTrue();
    assertThat(Completions.worthRetrying(pg("53300"))).as("too many connections").isTrue();
  }

  @Test
  void a_batch_refused_for_its_content_is_not_retried() {
    assertThat(Completions.worthRetrying(pg("22P02"))).as("invalid input").isFalse();
    assertThat(Completions.worthRetrying(pg("23514"))).as("check violation").isFalse();
    assertThat(Completions.worthRetrying(pg("42703"))).as("undefined column").isFalse();
  }

  private static PgException pg(String sqlState) {
    return new PgException("refused", "ERROR", sqlState, null);
  }
}
