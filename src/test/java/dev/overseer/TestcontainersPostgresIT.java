package dev.overseer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.config.ConfigLoader;
import dev.overseer.testing.ApiClient;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Overseer on a PostgreSQL in a container, where a Docker engine runs; skipped cleanly elsewhere. */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersPostgresIT {
  @Container
  static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:16-alpine");

  @Test
  void runs_on_a_containerized_postgresql() throws Exception {
    String url = "postgresql://" + POSTGRES.getUsername() + ":" + POSTGRES.getPassword() + "@" + POSTGRES.getHost()
        + ":" + POSTGRES.getFirstMappedPort() + "/" + POSTGRES.getDatabaseName();
    Map<String, String> env = Map.of("OVERSEER_DB_URL", url, "OVERSEER_HTTP_PORT", "0",
        "OVERSEER_DATA_DIR", Files.createTempDirectory("overseer-tc").toString(), "OVERSEER_ADMIN_TOKEN", "ovs_tc");
    try (Overseer overseer = Overseer.start(ConfigLoader.fromTree(Map.of(), env), env)) {
      ApiClient admin = new ApiClient(overseer.baseUrl(), "ovs_tc");
      String id = admin.createTask("in a container").getString("id");
      assertThat(admin.get("/api/v1/tasks/" + id).json().getString("name")).isEqualTo("in a container");
    }
  }
}
