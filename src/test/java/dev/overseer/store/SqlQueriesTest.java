package dev.overseer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlQueriesTest {
  @Test
  void splits_named_queries_and_drops_comments() {
    Map<String, String> queries = new HashMap<>();
    SqlQueries.parse("-- file comment\n-- name: A\n-- about A\nSELECT 1\n\n-- name: B\nSELECT 2\nFROM t\n", queries);
    assertThat(queries).containsEntry("A", "SELECT 1").containsEntry("B", "SELECT 2\nFROM t");
  }

  @Test
  void every_named_query_used_by_the_stores_exists() {
    for (String name : new String[] {"TaskInsert", "TaskList", "TaskPatch", "TokenByHash", "TaskClaim", "LeasesReapExpired",
        "AttemptsSucceeded", "OutboxClaim", "LeasesRelease"}) {
      assertThat(SqlQueries.get(name)).isNotBlank();
    }
    assertThatThrownBy(() -> SqlQueries.get("Nope")).isInstanceOf(IllegalArgumentException.class);
  }
}
