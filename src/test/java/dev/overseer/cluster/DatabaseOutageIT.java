package dev.overseer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.Await;
import dev.overseer.testing.Tasks;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failure that leaves other schedulers dead after a database failover: PostgreSQL goes away and
 * comes back. Overseer reports not-ready meanwhile, keeps its running agents while their leases last,
 * and recovers by itself, with no restart.
 */
class DatabaseOutageIT {
  @TempDir
  Path pgData;

  @Test
  void a_node_without_postgresql_is_not_ready_keeps_its_agents_and_recovers_by_itself() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmbeddedPostgres postgres = start(port);
    String url = "postgresql://postgres:postgres@127.0.0.1:" + port + "/postgres";
    try (TestOverseer overseer = TestOverseer.startOn(url, """
        dispatch:
          leaseTtl: 60s
          pollInterval: 200ms
        profiles:
          sleepy:
            kind: builtin
            agent: sleep
        """)) {
      ApiClient admin = overseer.admin;
      JsonObject long1 = Tasks.create(admin, "sleepy", new JsonObject().put("ms", 20_000));
      Tasks.awaitState(admin, long1, "running");
      assertThat(admin.get("/health/ready").status()).isEqualTo(200);

      postgres.close(); // PostgreSQL is gone
      JsonObject down = Await.until("readiness to report the database", Duration.ofSeconds(30),
          () -> admin.get("/health/ready"), r -> r.status() == 503).json();
      assertThat(down.getJsonArray("checks").stream().map(c -> (JsonObject) c)
          .filter(c -> c.getString("id").equals("database")).findFirst().orElseThrow().getString("status")).isEqualTo("DOWN");
      assertThat(admin.get("/health/live").status()).isEqualTo(200);
      ApiClient.Response refused = admin.get("/api/v1/tasks");
      assertThat(refused.status()).as("the API says why it cannot answer").isEqualTo(503);
      // the metrics need no database: the agent is still running while its lease lasts
      assertThat(admin.get("/metrics").body()).contains("overseer_agents_running{profile=\"sleepy\"} 1.0");

      postgres = start(port); // it comes back, same data, same address
      Await.until("readiness to come back", Duration.ofSeconds(60), () -> admin.get("/health/ready").status(), s -> s == 200);
      JsonObject after = Tasks.create(admin, "noop", new JsonObject().put("back", true));
      assertThat(Tasks.awaitState(admin, after, "succeeded").getJsonObject("output")).isEqualTo(new JsonObject().put("back", true));
      JsonObject finished = Tasks.awaitState(admin, long1, "succeeded");
      assertThat(finished.getInteger("attempt")).as("the agent kept running through the outage").isEqualTo(1);
    } finally {
      postgres.close();
    }
  }

  private EmbeddedPostgres start(int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(port)
        .setPGStartupWait(Duration.ofSeconds(60)).start();
  }
}
