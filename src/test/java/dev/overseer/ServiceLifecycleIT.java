package dev.overseer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.store.EmbeddedDatabase;
import dev.overseer.testing.ApiClient;
import dev.overseer.testing.OverseerProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overseer as users run it: a real process on its own embedded PostgreSQL with a persistent data
 * directory, stopped with SIGTERM, crashed with SIGKILL, and started again.
 */
class ServiceLifecycleIT {
  private static final String ADMIN = "ovs_lifecycle_admin";

  @TempDir
  Path work;

  private Map<String, String> env() {
    return Map.of("OVERSEER_DATA_DIR", work.resolve("data").toString(), "OVERSEER_HTTP_PORT", "0",
        "OVERSEER_ADMIN_TOKEN", ADMIN);
  }

  @Test
  void keeps_every_task_event_and_token_across_a_clean_restart_and_a_crash() throws Exception {
    String taskId;
    String viewerToken;
    long postgresPid;
    try (OverseerProcess first = OverseerProcess.start(work, env())) {
      ApiClient admin = new ApiClient(first.awaitReady(), ADMIN);
      // due in the future, so it is still queued (and can be changed) when the service stops
      taskId = admin.post("/api/v1/tasks", new JsonObject().put("name", "survivor").put("profile", "noop")
          .put("runAt", "2099-01-01T00:00:00Z")).json().getString("id");
      assertThat(admin.send("PATCH", "/api/v1/tasks/" + taskId, new JsonObject().put("priority", 5), Map.of()).status())
          .isEqualTo(200);
      viewerToken = admin.post("/api/v1/tokens", new JsonObject().put("name", "watcher").put("role", "viewer"))
          .json().getString("token");
      postgresPid = postmasterPid().orElseThrow();
      assertThat(OverseerProcess.isRunning(postgresPid)).isTrue();

      assertThat(first.terminate()).as("exit status after SIGTERM").isIn(0, 143);
      assertThat(first.stderr()).doesNotContain("ERROR");
    }
    assertThat(OverseerProcess.awaitStopped(postgresPid, Duration.ofSeconds(30)))
        .as("SIGTERM stops the embedded PostgreSQL too").isTrue();

    try (OverseerProcess second = OverseerProcess.start(work, env())) {
      String url = second.awaitReady();
      assertThat(String.join("\n", second.stdout())).doesNotContain("shown only this once");
      assertSurvived(new ApiClient(url, viewerToken), taskId);
      second.crash();
    }
    // kill -9 leaves the embedded PostgreSQL running; the next start must take over its data directory
    long orphan = postmasterPid().orElseThrow();
    assertThat(OverseerProcess.isRunning(orphan)).as("kill -9 leaves the database server running").isTrue();
    try (OverseerProcess third = OverseerProcess.start(work, env())) {
      assertSurvived(new ApiClient(third.awaitReady(), viewerToken), taskId);
      assertThat(OverseerProcess.isRunning(orphan)).as("the orphaned server was stopped").isFalse();
      third.terminate();
    }
  }

  @Test
  void first_start_without_a_preset_token_prints_a_generated_admin_token_that_works() throws Exception {
    Map<String, String> env = Map.of("OVERSEER_DATA_DIR", work.resolve("data").toString(), "OVERSEER_HTTP_PORT", "0");
    try (OverseerProcess process = OverseerProcess.start(work, env)) {
      String url = process.awaitReady();
      Pattern tokenLine = Pattern.compile("admin token \\(shown only this once, store it now\\): (\\S+)");
      String token = process.stdout().stream().map(tokenLine::matcher).filter(Matcher::find)
          .map(m -> m.group(1)).findFirst().orElseThrow(() -> new AssertionError("no token in " + process.stdout()));
      assertThat(new ApiClient(url, token).get("/api/v1/tokens").status()).isEqualTo(200);
      assertThat(new ApiClient(url, "ovs_wrong").get("/api/v1/tokens").status()).isEqualTo(401);
      process.terminate();
    }
  }

  @Test
  void invalid_config_exits_with_status_2_naming_the_key_before_anything_starts() throws Exception {
    Path config = work.resolve("bad.yaml");
    Files.writeString(config, "http:\n  port: 8080\n  hots: 0.0.0.0\n");
    try (OverseerProcess process = OverseerProcess.start(work, env(), "--config", config.toString())) {
      assertThat(process.awaitExit()).isEqualTo(2);
      assertThat(process.stderr()).contains("http.hots").contains("unknown key");
      assertThat(work.resolve("data")).as("no data directory, no database started").doesNotExist();
    }
  }

  private static void assertSurvived(ApiClient client, String taskId) {
    ApiClient.Response task = client.get("/api/v1/tasks/" + taskId);
    assertThat(task.status()).as(task.body()).isEqualTo(200);
    assertThat(task.json().getInteger("priority")).isEqualTo(5);
    ApiClient.Response events = client.get("/api/v1/tasks/" + taskId + "/events");
    assertThat(events.items().stream().map(e -> ((JsonObject) e).getString("type")).toList())
        .containsExactly("created", "updated");
  }

  private Optional<Long> postmasterPid() throws Exception {
    return EmbeddedDatabase.runningPid(work.resolve("data"));
  }
}
