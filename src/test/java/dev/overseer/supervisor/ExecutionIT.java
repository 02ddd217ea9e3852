package dev.overseer.supervisor;

import static dev.overseer.testing.Tasks.awaitState;
import static dev.overseer.testing.Tasks.create;
import static dev.overseer.testing.Tasks.eventTypes;
import static dev.overseer.testing.Tasks.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.Await;
import dev.overseer.testing.Processes;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real OS processes run as agents, supervised, retried and escalated, on a real PostgreSQL. */
class ExecutionIT {
  private static final Duration DEADLINE = dev.overseer.testing.Tasks.DEADLINE;

  @TempDir
  Path dir;

  @Test
  void process_agent_reports_progress_and_a_result_and_succeeds() throws Exception {
    String agent = Scripts.write(dir, "agent.sh", """
        read -r input
        echo '{"type":"progress","percent":40,"message":"reading"}'
        sleep 0.5
        echo "a plain line is a log line"
        echo '{"type":"heartbeat"}'
        echo "to stderr" >&2
        echo '{"type":"progress","percent":90,"message":"almost"}'
        echo "{\\"type\\":\\"result\\",\\"output\\":{\\"echo\\":$input,\\"task\\":\\"$OVERSEER_TASK_ID\\",\\"attempt\\":$OVERSEER_ATTEMPT}}"
        """);
    String fastHeartbeat = "    supervisor:\n      heartbeatInterval: 100ms\n";
    try (TestOverseer overseer = TestOverseer.start(profile("agent", agent, fastHeartbeat))) {
      JsonObject task = create(overseer.admin, "agent", new JsonObject().put("n", 7));
      JsonObject done = awaitState(overseer.admin, task, "succeeded");
      assertThat(done.getJsonObject("output")).isEqualTo(new JsonObject()
          .put("echo", new JsonObject().put("n", 7)).put("task", task.getString("id")).put("attempt", 1));
      assertThat(done.getJsonObject("progress").getInteger("percent")).isEqualTo(90);
      assertThat(done.getJsonObject("progress").getString("message")).isEqualTo("almost");
      assertThat(done.getInteger("attempt")).isEqualTo(1);
      assertThat(lifecycle(eventTypes(overseer.admin, task)))
          .containsExactly("created", "dispatched", "attempt.started", "succeeded");
      assertThat(eventTypes(overseer.admin, task)).contains("progress");
      JsonArray logged = Await.until("the log lines to be stored", DEADLINE,
          () -> overseer.admin.get("/api/v1/tasks/" + task.getString("id") + "/logs").json().getJsonArray("items"),
          items -> items.size() == 2);
      Await.until("a log event", DEADLINE, () -> eventTypes(overseer.admin, task), types -> types.contains("log"));
      // stdout and stderr are separate pipes read side by side: their relative order is not kept
      assertThat(logged.stream().map(l -> ((JsonObject) l).getString("stream") + ": " + ((JsonObject) l).getString("message"))
          .toList()).containsExactlyInAnyOrder("stdout: a plain line is a log line", "stderr: to stderr");
    }
  }

  @Test
  void exits_non_zero_twice_then_succeeds_at_attempt_3_with_backoff_between_attempts() throws Exception {
    String agent = Scripts.write(dir, "flaky.sh", """
        if [ "$OVERSEER_ATTEMPT" -lt 3 ]; then echo "failing attempt $OVERSEER_ATTEMPT" >&2; exit 3; fi
        echo '{"type":"result","output":{"ok":true}}'
        """);
    String extra = """
            maxAttempts: 5
            retry:
              minBackoff: 400ms
              maxBackoff: 10s
              randomFactor: 0
        """;
    try (TestOverseer overseer = TestOverseer.start(profile("flaky", agent, extra))) {
      JsonObject task = create(overseer.admin, "flaky", new JsonObject());
      JsonObject done = awaitState(overseer.admin, task, "succeeded");
      assertThat(done.getInteger("attempt")).isEqualTo(3);
      List<JsonObject> events = events(overseer.admin, task);
      events = events.stream().filter(e -> !NOISE.contains(e.getString("type"))).toList();
      assertThat(events.stream().map(e -> e.getString("type")).toList()).containsExactly(
          "created", "dispatched", "attempt.started", "attempt.failed", "retrying", "dispatched", "attempt.started",
          "attempt.failed", "retrying", "dispatched", "attempt.started", "succeeded");
      JsonObject firstFailure = events.get(3).getJsonObject("data").getJsonObject("error");
      assertThat(firstFailure.getString("reason")).isEqualTo("exit-status");
      assertThat(firstFailure.getInteger("exitStatus")).isEqualTo(3);
      assertThat(firstFailure.getJsonArray("logTail").getString(0)).isEqualTo("failing attempt 1");
      List<Instant> starts = events.stream().filter(e -> e.getString("type").equals("attempt.started"))
          .map(e -> Instant.parse(e.getString("at"))).toList();
      List<Instant> failures = events.stream().filter(e -> e.getString("type").equals("attempt.failed"))
          .map(e -> Instant.parse(e.getString("at"))).toList();
      // minBackoff * 2^(attempt-1): 400ms after the first failure, 800ms after the second
      assertThat(Duration.between(failures.get(0), starts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(400));
      assertThat(Duration.between(failures.get(1), starts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(800));
    }
  }

  @Test
  void hanging_agent_is_declared_stalled_killed_with_its_children_retried_and_finally_escalated() throws Exception {
    String marker = "overseer-stall-" + UUID.randomUUID();
    String agent = Scripts.write(dir, "hang.sh", """
        ( exec -a %1$s-grandchild sleep 300 & )
        exec -a %1$s sleep 300
        """.formatted(marker));
    String extra = """
            maxAttempts: 2
            retry:
              minBackoff: 100ms
            supervisor:
              heartbeatInterval: 100ms
              stallTimeout: 1s
            shutdown:
              grace: 500ms
        """;
    try (TestOverseer overseer = TestOverseer.start(profile("hang", agent, extra))) {
      JsonObject task = create(overseer.admin, "hang", new JsonObject());
      Await.until("the agent and its grandchild to run", DEADLINE, () -> Processes.withMarker(marker), p -> p.size() >= 2);
      JsonObject failed = awaitState(overseer.admin, task, "failed");
      assertThat(failed.getInteger("attempt")).isEqualTo(2);
      assertThat(failed.getJsonObject("error").getString("reason")).isEqualTo("stalled");
      JsonObject escalation = failed.getJsonObject("escalation");
      assertThat(escalation.getString("reason")).isEqualTo("attempts-exhausted");
      assertThat(escalation.getInteger("attempts")).isEqualTo(2);
      assertThat(eventTypes(overseer.admin, task)).contains("agent.stalled", "retrying", "task.escalated");
      assertThat(Await.until("no process of the agent to be left", Duration.ofSeconds(20),
          () -> Processes.withMarker(marker), List::isEmpty)).isEmpty();
    }
  }

  @Test
  void an_attempt_past_its_timeout_is_terminated_even_while_it_heartbeats() throws Exception {
    String agent = Scripts.write(dir, "slow.sh", """
        while true; do echo '{"type":"heartbeat"}'; sleep 0.1; done
        """);
    String extra = """
            maxAttempts: 1
            supervisor:
              heartbeatInterval: 100ms
            shutdown:
              grace: 200ms
        """;
    try (TestOverseer overseer = TestOverseer.start(profile("slow", agent, extra))) {
      Response created = overseer.admin.post("/api/v1/tasks",
          new JsonObject().put("name", "slow").put("profile", "slow").put("timeout", "1s"));
      JsonObject failed = awaitState(overseer.admin, created.json(), "failed");
      assertThat(failed.getJsonObject("error").getString("reason")).isEqualTo("timeout");
    }
  }

  @Test
  void a_non_retryable_error_fails_at_once_with_the_agents_message() throws Exception {
    String agent = Scripts.write(dir, "refuse.sh", """
        echo '{"type":"error","message":"the repository does not exist","retryable":false}'
        exit 1
        """);
    try (TestOverseer overseer = TestOverseer.start(profile("refuse", agent, "    maxAttempts: 5\n"))) {
      JsonObject failed = awaitState(overseer.admin, create(overseer.admin, "refuse", new JsonObject()), "failed");
      assertThat(failed.getInteger("attempt")).isEqualTo(1);
      assertThat(failed.getJsonObject("error").getString("message")).isEqualTo("the repository does not exist");
      assertThat(failed.getJsonObject("escalation").getString("reason")).isEqualTo("not-retryable");
    }
  }

  @Test
  void argv_placeholders_reach_the_process_as_single_literal_arguments() throws Exception {
    Path out = dir.resolve("argv.txt");
    String agent = Scripts.write(dir, "argv.sh", """
        { echo "$#"; for a in "$@"; do printf '%s\\n' "$a"; done; } > "$ARGV_FILE"
        """);
    String yaml = """
        profiles:
          argv:
            kind: process
            command: ["%s", "{input.arg}", "id={task.id}", "{task.attempt}"]
            env:
              ARGV_FILE: "%s"
        """.formatted(agent, out);
    String hostile = "; rm -rf / $(touch /tmp/pwned-overseer) `id` \"quoted\" 'single' && echo | cat";
    try (TestOverseer overseer = TestOverseer.start(yaml)) {
      JsonObject task = create(overseer.admin, "argv", new JsonObject().put("arg", hostile));
      awaitState(overseer.admin, task, "succeeded");
      List<String> lines = Files.readAllLines(out);
      assertThat(lines).containsExactly("3", hostile, "id=" + task.getString("id"), "1");
      assertThat(Path.of("/tmp/pwned-overseer")).doesNotExist();
    }
  }

  @Test
  void a_flood_of_output_is_bounded_and_the_result_still_arrives() throws Exception {
    String agent = Scripts.write(dir, "flood.sh", """
        head -c 3000000 /dev/zero | tr '\\0' 'x'
        echo
        for i in $(seq 1 20000); do echo "line $i"; done
        echo '{"type":"result","output":{"after":"flood"}}'
        """);
    try (TestOverseer overseer = TestOverseer.start(profile("flood", agent, ""))) {
      JsonObject done = awaitState(overseer.admin, create(overseer.admin, "flood", new JsonObject()), "succeeded");
      assertThat(done.getJsonObject("output")).isEqualTo(new JsonObject().put("after", "flood"));
    }
  }

  @Test
  void retry_puts_a_failed_task_back_with_a_fresh_budget() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("profiles:\n  boom:\n    kind: builtin\n    agent: fail\n    maxAttempts: 1\n")) {
      JsonObject task = create(overseer.admin, "boom", new JsonObject().put("retryable", false));
      awaitState(overseer.admin, task, "failed");
      Response retried = overseer.admin.post("/api/v1/tasks/" + task.getString("id") + "/retry", new JsonObject().put("maxAttempts", 2));
      assertThat(retried.status()).as(retried.body()).isEqualTo(200);
      assertThat(retried.json().getInteger("maxAttempts")).isEqualTo(3);
      JsonObject failedAgain = awaitState(overseer.admin, task, "failed");
      assertThat(failedAgain.getInteger("attempt")).as("the retry ran a new attempt").isEqualTo(2);
      assertThat(eventTypes(overseer.admin, task)).contains("retried");
      assertThat(overseer.admin.post("/api/v1/tasks/" + create(overseer.admin, "noop", new JsonObject()).getString("id") + "/retry",
          new JsonObject()).status()).isIn(409);
    }
  }

  @Test
  void the_example_agent_from_the_readme_works() throws Exception {
    String yaml = """
        profiles:
          example:
            kind: process
            command: ["python3", "%s"]
        """.formatted(Path.of("scripts/example-agent.py").toAbsolutePath());
    try (TestOverseer overseer = TestOverseer.start(yaml)) {
      JsonObject task = create(overseer.admin, "example",
          new JsonObject().put("words", new JsonArray().add("alpha").add("be")).put("delayMs", 10));
      JsonObject done = awaitState(overseer.admin, task, "succeeded");
      assertThat(done.getJsonObject("output")).isEqualTo(new JsonObject()
          .put("lengths", new JsonObject().put("alpha", 5).put("be", 2)));
    }
  }

  @Test
  void records_the_pid_and_start_time_of_each_attempt() throws Exception {
    String agent = Scripts.write(dir, "pid.sh", "echo $$ > \"$PID_FILE\"; sleep 1; echo '{\"type\":\"result\",\"output\":{}}'");
    Path pidFile = dir.resolve("pid.txt");
    String yaml = """
        profiles:
          pid:
            kind: process
            command: ["%s"]
            env:
              PID_FILE: "%s"
            supervisor:
              heartbeatInterval: 100ms
        """.formatted(agent, pidFile);
    try (TestOverseer overseer = TestOverseer.start(yaml)) {
      JsonObject task = create(overseer.admin, "pid", new JsonObject());
      awaitState(overseer.admin, task, "succeeded");
      long reported = Long.parseLong(Files.readString(pidFile).trim());
      try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT pid, pid_started_at, outcome FROM task_attempts WHERE task_id = '"
               + task.getString("id") + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong("pid")).isEqualTo(reported);
        assertThat(rs.getTimestamp("pid_started_at")).isNotNull();
        assertThat(rs.getString("outcome")).isEqualTo("succeeded");
      }
    }
  }

  // ---- helpers

  /** Progress and log events come at the agent's pace; lifecycle assertions leave them out. */
  private static final java.util.Set<String> NOISE = java.util.Set.of("progress", "log");

  static List<String> lifecycle(List<String> types) {
    return types.stream().filter(t -> !NOISE.contains(t)).toList();
  }

  static String profile(String name, String script, String extraSettings) {
    return "profiles:\n  " + name + ":\n    kind: process\n    command: [\"" + script + "\"]\n" + extraSettings;
  }
}
