package dev.overseer.kill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.Await;
import dev.overseer.testing.OverseerProcess;
import dev.overseer.testing.Processes;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.Tasks;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A kill survives the crash of the node carrying it out: the task ends killed, its processes gone, never retried. */
class KillCrashIT {
  private static final String ADMIN = "ovs_killcrash_admin";

  @TempDir
  Path work;

  @Test
  void a_kill_interrupted_by_a_crash_is_finished_by_the_next_start() throws Exception {
    String marker = "overseer-killcrash-" + UUID.randomUUID();
    String agent = Scripts.write(work, "deaf.sh", """
        trap '' TERM
        ( trap '' TERM; exec -a %1$s-grandchild sleep 300 & )
        exec -a %1$s sleep 300
        """.formatted(marker));
    Path config = work.resolve("overseer.yaml");
    Files.writeString(config, """
        profiles:
          deaf:
            kind: process
            command: ["%s"]
            maxAttempts: 5
            shutdown:
              grace: 60s
        """.formatted(agent));
    Map<String, String> env = Map.of("OVERSEER_DB_URL", TestDatabases.freshDatabase(), "OVERSEER_HTTP_PORT", "0",
        "OVERSEER_DATA_DIR", work.resolve("data").toString(), "OVERSEER_ADMIN_TOKEN", ADMIN);

    JsonObject task;
    try (OverseerProcess first = OverseerProcess.start(work, env, "--config", config.toString())) {
      ApiClient admin = new ApiClient(first.awaitReady(), ADMIN);
      task = Tasks.create(admin, "deaf", new JsonObject());
      Await.until("the agent and its grandchild to run", Duration.ofSeconds(60), () -> Processes.withMarker(marker),
          p -> p.size() >= 2);
      Response accepted = admin.post("/api/v1/tasks/" + task.getString("id") + "/kill?wait=false",
          new JsonObject().put("reason", "stop it").put("grace", "60s"));
      assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
      first.crash(); // well within the 60s grace: the agent ignores SIGTERM and is still running
    }
    assertThat(Processes.withMarker(marker)).as("kill -9 of Overseer leaves its agents running").isNotEmpty();

    try (OverseerProcess second = OverseerProcess.start(work, env, "--config", config.toString())) {
      ApiClient admin = new ApiClient(second.awaitReady(), ADMIN);
      JsonObject killed = Tasks.awaitState(admin, task, "killed");
      assertThat(killed.getInteger("attempt")).as("never retried").isEqualTo(1);
      assertThat(Processes.withMarker(marker)).as("no process of the agent survives").isEmpty();
      JsonObject receipt = admin.get("/api/v1/tasks/" + task.getString("id") + "/kill").json();
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      assertThat(receipt.getString("reason")).isEqualTo("stop it");
      assertThat(Tasks.eventTypes(admin, task)).doesNotContain("retrying").containsOnlyOnce("attempt.started")
          .endsWith("killed");
      second.terminate();
    }
  }
}
