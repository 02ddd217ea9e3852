package dev.overseer.kill;

import static dev.overseer.testing.Tasks.awaitProgress;
import static dev.overseer.testing.Tasks.awaitState;
import static dev.overseer.testing.Tasks.create;
import static dev.overseer.testing.Tasks.eventTypes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.Await;
import dev.overseer.testing.OverseerProcess;
import dev.overseer.testing.Processes;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills stop the work, every process of it, within the grace, and say so in a receipt. */
class KillIT {
  @TempDir
  Path dir;

  private static JsonObject kill(ApiClient client, JsonObject task, JsonObject body) {
    Response r = client.post("/api/v1/tasks/" + task.getString("id") + "/kill", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static String processProfile(String name, String script, String grace) {
    return "profiles:\n  " + name + ":\n    kind: process\n    command: [\"" + script + "\"]\n    concurrency: 60\n"
        + "    shutdown:\n      grace: " + grace + "\n";
  }

  @Test
  void an_agent_that_traps_sigterm_exits_cleanly_within_the_grace() throws Exception {
    Path flushed = dir.resolve("flushed.txt");
    String agent = Scripts.write(dir, "polite.sh", """
        trap 'echo "saved my work" > "%s"; exit 0' TERM
        echo '{"type":"progress","percent":10,"message":"working"}'
        while true; do sleep 0.05; done
        """.formatted(flushed));
    try (TestOverseer overseer = TestOverseer.start(processProfile("polite", agent, "5s"))) {
      JsonObject task = create(overseer.admin, "polite", new JsonObject());
      awaitProgress(overseer.admin, task); // its trap is set
      JsonObject receipt = kill(overseer.admin, task, new JsonObject().put("reason", "wrong branch"));
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      assertThat(receipt.getBoolean("forced")).isFalse();
      assertThat(receipt.getString("requestedBy")).isEqualTo("admin");
      assertThat(receipt.getString("reason")).isEqualTo("wrong branch");
      assertThat(receipt.getString("grace")).isEqualTo("5s");
      assertThat(receipt.getInteger("attempt")).isEqualTo(1);
      Instant signalled = Instant.parse(receipt.getString("signalledAt"));
      Instant stopped = Instant.parse(receipt.getString("stoppedAt"));
      assertThat(Instant.parse(receipt.getString("requestedAt"))).isBeforeOrEqualTo(signalled);
      assertThat(Duration.between(signalled, stopped)).isLessThan(Duration.ofSeconds(5));
      assertThat(Files.readString(flushed).trim()).isEqualTo("saved my work");
      JsonObject killed = overseer.admin.get("/api/v1/tasks/" + task.getString("id")).json();
      assertThat(killed.getString("state")).isEqualTo("killed");
      assertThat(eventTypes(overseer.admin, task)).containsSubsequence("attempt.started", "kill.requested", "killed");
      assertThat(eventTypes(overseer.admin, task)).doesNotContain("retrying", "attempt.failed");
      // a second kill of the same attempt returns the same receipt
      JsonObject again = kill(overseer.admin, task, new JsonObject().put("reason", "again"));
      assertThat(again).isEqualTo(receipt);
      assertThat(overseer.admin.get("/api/v1/tasks/" + task.getString("id") + "/kill").json().getString("stoppedAt"))
          .isEqualTo(receipt.getString("stoppedAt"));
    }
  }

  @Test
  void an_agent_that_ignores_sigterm_is_killed_by_force_with_its_whole_tree() throws Exception {
    String marker = "overseer-kill-" + UUID.randomUUID();
    Path pids = dir.resolve("pids.txt");
    String agent = Scripts.write(dir, "stubborn.sh", """
        trap '' TERM
        bash -c 'trap "" TERM; exec -a %1$s-child sleep 300' &
        echo $! >> "%2$s"
        setsid bash -c 'trap "" TERM; echo $$ >> "%2$s"; exec -a %1$s-grandchild sleep 300' &
        ( exec -a %1$s-orphan sleep 300 & )
        echo $$ >> "%2$s"
        while true; do echo '{"type":"heartbeat"}'; sleep 0.1; done
        """.formatted(marker, pids));
    try (TestOverseer overseer = TestOverseer.start(processProfile("stubborn", agent, "1s"))) {
      JsonObject task = create(overseer.admin, "stubborn", new JsonObject());
      Await.until("the agent's tree to run", Duration.ofSeconds(30), () -> Processes.withMarker(marker), p -> p.size() >= 3);
      JsonObject receipt = kill(overseer.admin, task, new JsonObject().put("reason", "runaway").put("grace", "1s"));
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      assertThat(receipt.getBoolean("forced")).isTrue();
      Duration took = Duration.between(Instant.parse(receipt.getString("signalledAt")), Instant.parse(receipt.getString("stoppedAt")));
      assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(Processes.withMarker(marker)).as("no process of the tree is left").isEmpty();
      for (String pid : Files.readAllLines(pids)) {
        assertThat(OverseerProcess.isRunning(Long.parseLong(pid.trim()))).as("pid " + pid).isFalse();
      }
    }
  }

  @Test
  void a_queued_task_never_starts_and_a_finished_one_is_left_alone() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("")) {
      Response created = overseer.admin.post("/api/v1/tasks", new JsonObject().put("name", "later").put("profile", "noop")
          .put("runAt", "2099-01-01T00:00:00Z"));
      JsonObject queued = created.json();
      JsonObject receipt = kill(overseer.admin, queued, new JsonObject().put("reason", "not needed"));
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      assertThat(receipt.getString("priorState")).isEqualTo("queued");
      assertThat(receipt.getString("signalledAt")).isNull();
      assertThat(overseer.admin.get("/api/v1/tasks/" + queued.getString("id")).json().getString("state")).isEqualTo("killed");

      JsonObject done = create(overseer.admin, "noop", new JsonObject());
      awaitState(overseer.admin, done, "succeeded");
      JsonObject late = kill(overseer.admin, done, new JsonObject().put("reason", "too late"));
      assertThat(late.getString("outcome")).isEqualTo("already-finished");
      assertThat(overseer.admin.get("/api/v1/tasks/" + done.getString("id")).json().getString("state")).isEqualTo("succeeded");
      assertThat(eventTypes(overseer.admin, done)).endsWith("kill.requested");
      assertThat(overseer.admin.get("/api/v1/tasks/" + done.getString("id") + "/kill").status()).isEqualTo(404);
    }
  }

  @Test
  void only_the_owner_or_an_admin_may_kill_and_a_reason_is_required() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("")) {
      ApiClient alice = overseer.clientWithRole("alice", "operator");
      ApiClient bob = overseer.clientWithRole("bob", "operator");
      ApiClient viewer = overseer.clientWithRole("carol", "viewer");
      JsonObject task = alice.post("/api/v1/tasks", new JsonObject().put("name", "mine").put("profile", "noop")
          .put("runAt", "2099-01-01T00:00:00Z")).json();
      String path = "/api/v1/tasks/" + task.getString("id") + "/kill";
      assertThat(viewer.post(path, new JsonObject().put("reason", "x")).status()).isEqualTo(403);
      assertThat(bob.post(path, new JsonObject().put("reason", "x")).status()).isEqualTo(403);
      assertThat(alice.post(path, new JsonObject()).status()).isEqualTo(400);
      assertThat(alice.post(path, new JsonObject().put("reason", "")).status()).isEqualTo(400);
      assertThat(alice.post(path, new JsonObject().put("reason", "x".repeat(501))).status()).isEqualTo(400);
      assertThat(alice.post(path, new JsonObject().put("reason", "x").put("grace", "1h")).status()).isEqualTo(422);
      assertThat(overseer.admin.get("/api/v1/tasks/" + task.getString("id")).json().getString("state")).isEqualTo("queued");
      assertThat(alice.post(path, new JsonObject().put("reason", "mine to kill")).json().getString("outcome")).isEqualTo("killed");
      assertThat(viewer.post("/api/v1/kill-all", new JsonObject().put("reason", "x")).status()).isEqualTo(403);
      assertThat(alice.post("/api/v1/kill-all", new JsonObject().put("reason", "x")).status()).isEqualTo(403);
      assertThat(alice.post("/api/v1/dispatch/pause", new JsonObject().put("reason", "x")).status()).isEqualTo(403);
    }
  }

  @Test
  void wait_false_answers_at_once_and_the_receipt_url_follows_the_kill() throws Exception {
    String agent = Scripts.write(dir, "deaf.sh", "trap '' TERM\necho '{\"type\":\"progress\",\"percent\":1}'\n"
        + "while true; do echo '{\"type\":\"heartbeat\"}'; sleep 0.1; done");
    try (TestOverseer overseer = TestOverseer.start(processProfile("deaf", agent, "2s"))) {
      JsonObject task = create(overseer.admin, "deaf", new JsonObject());
      awaitProgress(overseer.admin, task); // its trap is set
      Response accepted = overseer.admin.post("/api/v1/tasks/" + task.getString("id") + "/kill?wait=false",
          new JsonObject().put("reason", "later"));
      assertThat(accepted.status()).isEqualTo(202);
      assertThat(accepted.json().getString("outcome")).isNull();
      String url = accepted.header("Location");
      assertThat(url).isEqualTo("/api/v1/tasks/" + task.getString("id") + "/kill");
      JsonObject receipt = Await.until("the kill to end", Duration.ofSeconds(30), () -> overseer.admin.get(url).json(),
          r -> r.getString("outcome") != null);
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      assertThat(receipt.getBoolean("forced")).isTrue();
    }
  }

  @Test
  void kill_all_stops_fifty_running_agents_and_pauses_dispatch_across_a_restart() throws Exception {
    String marker = "overseer-killall-" + UUID.randomUUID();
    String agent = Scripts.write(dir, "busy.sh", """
        exec -a %s sleep 300
        """.formatted(marker));
    try (TestOverseer overseer = TestOverseer.start(processProfile("busy", agent, "2s")
        + "    supervisor:\n      stallTimeout: 10m\n")) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 50; i++) batch.add(new JsonObject().put("name", "busy " + i).put("profile", "busy"));
      assertThat(overseer.admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", batch)).status()).isEqualTo(201);
      Await.until("50 agents to run", Duration.ofSeconds(60), () -> Processes.withMarker(marker).size(), n -> n == 50);

      Response stopped = overseer.admin.post("/api/v1/kill-all",
          new JsonObject().put("reason", "emergency").put("pauseDispatch", true));
      assertThat(stopped.status()).as(stopped.body()).isEqualTo(200);
      JsonObject result = stopped.json();
      assertThat(result.getInteger("total")).isEqualTo(50);
      assertThat(result.getInteger("killed")).isEqualTo(50);
      assertThat(result.getInteger("failed")).isZero();
      assertThat(result.getJsonArray("receipts")).hasSize(50);
      result.getJsonArray("receipts").forEach(r -> assertThat(((JsonObject) r).getString("outcome")).isEqualTo("killed"));
      assertThat(Processes.withMarker(marker)).isEmpty();

      JsonObject queued = create(overseer.admin, "noop", new JsonObject());
      overseer.restart();
      assertThat(overseer.admin.get("/api/v1/dispatch").json().getBoolean("paused")).isTrue();
      Await.holds("nothing to start while dispatch is paused", Duration.ofMillis(1500),
          () -> overseer.admin.get("/api/v1/tasks/" + queued.getString("id")).json().getString("state"), "queued"::equals);
      assertThat(overseer.admin.post("/api/v1/dispatch/resume", new JsonObject().put("reason", "all clear")).status())
          .isEqualTo(200);
      awaitState(overseer.admin, queued, "succeeded");
    }
  }

  @Test
  void a_kill_racing_completion_ends_in_exactly_one_terminal_state() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("profiles:\n  quick:\n    kind: builtin\n    agent: sleep\n"
        + "    concurrency: 100\n    supervisor:\n      heartbeatInterval: 10ms\n")) {
      List<JsonObject> tasks = new ArrayList<>();
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 100; i++) {
        batch.add(new JsonObject().put("name", "race " + i).put("profile", "quick").put("input", new JsonObject().put("ms", i % 20)));
      }
      overseer.admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", batch)).items()
          .forEach(t -> tasks.add((JsonObject) t));
      List<JsonObject> receipts = new ArrayList<>();
      for (JsonObject task : tasks) receipts.add(kill(overseer.admin, task, new JsonObject().put("reason", "race")));
      for (int i = 0; i < tasks.size(); i++) {
        JsonObject task = overseer.admin.get("/api/v1/tasks/" + tasks.get(i).getString("id")).json();
        String outcome = receipts.get(i).getString("outcome");
        List<String> terminal = eventTypes(overseer.admin, task).stream()
            .filter(t -> t.equals("succeeded") || t.equals("killed") || t.equals("failed")).toList();
        assertThat(terminal).as("terminal events of %s", task.getString("id")).hasSize(1);
        if (outcome.equals("killed")) {
          assertThat(task.getString("state")).isEqualTo("killed");
          assertThat(terminal).containsExactly("killed");
        } else {
          assertThat(outcome).isEqualTo("already-finished");
          assertThat(task.getString("state")).isEqualTo("succeeded");
          assertThat(terminal).containsExactly("succeeded");
        }
      }
    }
  }

  @Test
  void kill_all_can_target_a_profile_and_labels() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("profiles:\n  sleepy:\n    kind: builtin\n    agent: sleep\n")) {
      String future = "2099-01-01T00:00:00Z";
      JsonObject red = overseer.admin.post("/api/v1/tasks", new JsonObject().put("name", "r").put("profile", "sleepy")
          .put("runAt", future).put("labels", new JsonObject().put("team", "red"))).json();
      JsonObject blue = overseer.admin.post("/api/v1/tasks", new JsonObject().put("name", "b").put("profile", "sleepy")
          .put("runAt", future).put("labels", new JsonObject().put("team", "blue"))).json();
      JsonObject other = overseer.admin.post("/api/v1/tasks", new JsonObject().put("name", "o").put("profile", "noop")
          .put("runAt", future).put("labels", new JsonObject().put("team", "red"))).json();
      JsonObject result = overseer.admin.post("/api/v1/kill-all", new JsonObject().put("reason", "red team only")
          .put("profile", "sleepy").put("labels", new JsonObject().put("team", "red"))).json();
      assertThat(result.getInteger("total")).isEqualTo(1);
      assertThat(overseer.admin.get("/api/v1/tasks/" + red.getString("id")).json().getString("state")).isEqualTo("killed");
      assertThat(overseer.admin.get("/api/v1/tasks/" + blue.getString("id")).json().getString("state")).isEqualTo("queued");
      assertThat(overseer.admin.get("/api/v1/tasks/" + other.getString("id")).json().getString("state")).isEqualTo("queued");
    }
  }
}
