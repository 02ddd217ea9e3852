package dev.overseer.supervisor;

import static dev.overseer.testing.Tasks.awaitState;
import static dev.overseer.testing.Tasks.create;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.overseer.testing.ApiClient;
import dev.overseer.testing.Await;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A profile whose agents keep dying is paused (OTP restart intensity) and a human is told. */
class EscalationIT {
  @TempDir
  Path dir;

  private HttpServer webhook;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();

  @BeforeEach
  void startWebhookReceiver() throws Exception {
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      // the first delivery fails: the outbox must retry
      int status = calls.incrementAndGet() == 1 ? 503 : 204;
      if (status == 204) received.add(new JsonObject(body));
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    webhook.start();
  }

  @AfterEach
  void stopWebhookReceiver() {
    webhook.stop(0);
  }

  @Test
  void a_profile_whose_agents_keep_dying_is_paused_escalated_and_resumed() throws Exception {
    String agent = Scripts.write(dir, "die.sh", "echo 'segfault, probably' >&2; exit 139");
    String yaml = """
        escalation:
          webhook: http://127.0.0.1:%d/hook
        profiles:
          dying:
            kind: process
            command: ["%s"]
            concurrency: 1
            maxAttempts: 1
            supervisor:
              intensity: 2
              period: 60s
        """.formatted(webhook.getAddress().getPort(), agent);
    try (TestOverseer overseer = TestOverseer.start(yaml)) {
      ApiClient operator = overseer.clientWithRole("oncall", "operator");
      List<JsonObject> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) tasks.add(create(overseer.admin, "dying", new JsonObject()));
      for (int i = 0; i < 3; i++) awaitState(overseer.admin, tasks.get(i), "failed");

      JsonObject profile = Await.until("the profile to be paused", Duration.ofSeconds(30), () -> profile(overseer.admin, "dying"),
          p -> p.getBoolean("paused"));
      assertThat(profile.getInteger("running")).isZero();
      JsonObject escalated = Await.until("the webhook to receive the profile's escalation", Duration.ofSeconds(30),
          () -> received.stream().filter(m -> m.getString("type").equals("profile.escalated")).findFirst().orElse(null),
          m -> m != null);
      assertThat(escalated.getString("profile")).isEqualTo("dying");
      assertThat(escalated.getInteger("failures")).isEqualTo(3);
      assertThat(calls.get()).as("the first delivery failed and was retried").isGreaterThan(1);
      Await.until("each failed task's escalation to be delivered", Duration.ofSeconds(30),
          () -> received.stream().filter(m -> m.getString("type").equals("task.escalated")).count(), n -> n == 3);
      assertThat(profileEvents(overseer.dbUrl())).containsExactly("profile.escalated");
      // nothing more of the profile started after the third failure
      assertThat(state(overseer.admin, tasks.get(3))).isEqualTo("queued");
      assertThat(state(overseer.admin, tasks.get(4))).isEqualTo("queued");

      ApiClient viewer = overseer.clientWithRole("watcher", "viewer");
      assertThat(viewer.post("/api/v1/profiles/dying/resume", new JsonObject()).status()).isEqualTo(403);
      assertThat(operator.post("/api/v1/profiles/nope/resume", new JsonObject()).status()).isEqualTo(404);
      ApiClient.Response resumed = operator.post("/api/v1/profiles/dying/resume", new JsonObject().put("reason", "fixed the agent"));
      assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
      assertThat(resumed.json().getBoolean("paused")).isFalse();
      awaitState(overseer.admin, tasks.get(3), "failed");
      awaitState(overseer.admin, tasks.get(4), "failed");
      assertThat(profile(overseer.admin, "dying").getBoolean("paused"))
          .as("two failures after a resume stay within the intensity").isFalse();
      assertThat(profileEvents(overseer.dbUrl())).containsExactly("profile.escalated", "profile.resumed");
    }
  }

  @Test
  void a_person_pauses_a_profile_with_a_reason_and_nothing_new_starts() throws Exception {
    try (TestOverseer overseer = TestOverseer.start("")) {
      ApiClient.Response noReason = overseer.admin.post("/api/v1/profiles/noop/pause", new JsonObject());
      assertThat(noReason.status()).isEqualTo(400);
      assertThat(overseer.admin.post("/api/v1/profiles/noop/pause", new JsonObject().put("reason", "maintenance")).json()
          .getBoolean("paused")).isTrue();
      JsonObject task = create(overseer.admin, "noop", new JsonObject());
      JsonObject other = create(overseer.admin, "noop", new JsonObject());
      // longer than the poll interval, so the dispatcher has looked at least once
      Await.holds("paused tasks to stay queued", Duration.ofMillis(1500),
          () -> List.of(state(overseer.admin, task), state(overseer.admin, other)),
          states -> states.equals(List.of("queued", "queued")));
      overseer.admin.post("/api/v1/profiles/noop/resume", new JsonObject());
      awaitState(overseer.admin, task, "succeeded");
      awaitState(overseer.admin, other, "succeeded");
      assertThat(profileEvents(overseer.dbUrl())).containsExactly("profile.paused", "profile.resumed");
    }
  }

  private static JsonObject profile(ApiClient client, String name) {
    return client.get("/api/v1/profiles").items().stream().map(p -> (JsonObject) p)
        .filter(p -> p.getString("name").equals(name)).findFirst().orElseThrow();
  }

  private static String state(ApiClient client, JsonObject task) {
    return client.get("/api/v1/tasks/" + task.getString("id")).json().getString("state");
  }

  private static List<String> profileEvents(String dbUrl) throws Exception {
    List<String> types = new ArrayList<>();
    try (Connection c = TestDatabases.connect(dbUrl); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT type FROM task_events WHERE type LIKE 'profile.%' ORDER BY id")) {
      while (rs.next()) types.add(rs.getString(1));
    }
    return types;
  }
}
