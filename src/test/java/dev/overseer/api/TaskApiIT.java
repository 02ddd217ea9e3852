package dev.overseer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The task API against a real Overseer on a real PostgreSQL. */
class TaskApiIT {
  private static TestOverseer overseer;
  private static ApiClient admin;

  @BeforeAll
  static void start() throws Exception {
    overseer = TestOverseer.start("""
        profiles:
          slow:
            kind: builtin
            agent: sleep
            maxAttempts: 7
            timeout: 2m
        """);
    admin = overseer.admin;
    // these tests are about the control plane: nothing here should start running underneath them
    for (String profile : List.of("noop", "slow")) {
      assertThat(admin.post("/api/v1/profiles/" + profile + "/pause", new JsonObject().put("reason", "control-plane tests"))
          .status()).isEqualTo(200);
    }
  }

  @AfterAll
  static void stop() {
    if (overseer != null) overseer.close();
  }

  @Test
  void creates_a_task_with_defaults_from_its_profile_and_reads_it_back() {
    Response created = admin.post("/api/v1/tasks", new JsonObject()
        .put("name", "build docs").put("profile", "slow").put("input", new JsonObject().put("ms", 5))
        .put("labels", new JsonObject().put("team", "docs")));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject task = created.json();
    assertThat(created.header("Location")).isEqualTo("/api/v1/tasks/" + task.getString("id"));
    assertThat(task.getString("state")).isEqualTo("queued");
    assertThat(task.getInteger("maxAttempts")).isEqualTo(7);
    assertThat(task.getString("timeout")).isEqualTo("2m");
    assertThat(task.getInteger("priority")).isZero();
    assertThat(task.getString("createdBy")).isEqualTo("admin");
    assertThat(task.getInteger("version")).isEqualTo(1);
    assertThat(task.getJsonObject("input")).isEqualTo(new JsonObject().put("ms", 5));

    Response read = admin.get("/api/v1/tasks/" + task.getString("id"));
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json()).isEqualTo(task);
    assertThat(read.header("ETag")).isEqualTo("\"1\"");

    Response events = admin.get("/api/v1/tasks/" + task.getString("id") + "/events");
    assertThat(events.items()).hasSize(1);
    assertThat(events.items().getJsonObject(0).getString("type")).isEqualTo("created");
    assertThat(events.items().getJsonObject(0).getString("actor")).isEqualTo("admin");
  }

  @Test
  void explicit_fields_override_profile_defaults() {
    Response created = admin.post("/api/v1/tasks", new JsonObject()
        .put("name", "n").put("profile", "noop").put("priority", -100).put("maxAttempts", 100)
        .put("timeout", "PT90S").put("runAt", "2030-01-01T00:00:00+02:00"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject task = created.json();
    assertThat(task.getInteger("priority")).isEqualTo(-100);
    assertThat(task.getInteger("maxAttempts")).isEqualTo(100);
    assertThat(task.getString("timeout")).isEqualTo("90s");
    assertThat(task.getString("runAt")).isEqualTo("2029-12-31T22:00:00Z");
  }

  @Test
  void unknown_and_malformed_ids_are_404_and_400() {
    assertThat(admin.get("/api/v1/tasks/0191d2b8-0000-7000-8000-000000000000").status()).isEqualTo(404);
    assertThat(admin.get("/api/v1/tasks/not-a-uuid").status()).isEqualTo(400);
    assertThat(admin.get("/api/v1/tasks/0191d2b8-0000-7000-8000-000000000000/events").status()).isEqualTo(404);
  }

  @Test
  void idempotency_key_replays_the_original_and_refuses_another_body() {
    JsonObject body = new JsonObject().put("name", "idem").put("profile", "noop").put("input", new JsonObject().put("a", 1).put("b", 2));
    Map<String, String> key = Map.of("Idempotency-Key", "key-one");
    Response first = admin.send("POST", "/api/v1/tasks", body, key);
    assertThat(first.status()).isEqualTo(201);
    // the same body with keys in another order is the same request
    JsonObject reordered = new JsonObject().put("profile", "noop").put("input", new JsonObject().put("b", 2).put("a", 1)).put("name", "idem");
    Response replay = admin.send("POST", "/api/v1/tasks", reordered, key);
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json().getString("id")).isEqualTo(first.json().getString("id"));
    Response other = admin.send("POST", "/api/v1/tasks", body.copy().put("name", "other"), key);
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.header("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void concurrent_requests_with_one_idempotency_key_create_one_task() throws Exception {
    JsonObject body = new JsonObject().put("name", "race").put("profile", "noop");
    int clients = 16;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Response>> answers = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      answers.add(pool.submit(() -> {
        go.await();
        return admin.send("POST", "/api/v1/tasks", body, Map.of("Idempotency-Key", "race-key"));
      }));
    }
    go.countDown();
    Set<String> ids = new HashSet<>();
    int created = 0;
    for (Future<Response> answer : answers) {
      Response r = answer.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).as(r.body()).isIn(200, 201);
      if (r.status() == 201) created++;
      ids.add(r.json().getString("id"));
    }
    pool.shutdown();
    assertThat(created).isEqualTo(1);
    assertThat(ids).hasSize(1);
  }

  @Test
  void batch_creates_all_in_order_or_nothing() throws Exception {
    String marker = "batch-" + System.nanoTime();
    io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
    for (int i = 0; i < 5; i++) items.add(new JsonObject().put("name", "b" + i).put("profile", "noop").put("labels", new JsonObject().put("batch", marker)));
    Response ok = admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", items));
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.items()).hasSize(5);
    assertThat(ok.items().getJsonObject(3).getString("name")).isEqualTo("b3");

    String failed = "batch-bad-" + System.nanoTime();
    io.vertx.core.json.JsonArray bad = new io.vertx.core.json.JsonArray();
    for (int i = 0; i < 5; i++) bad.add(new JsonObject().put("name", "c" + i).put("profile", i == 3 ? "missing" : "noop").put("labels", new JsonObject().put("batch", failed)));
    Response refused = admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", bad));
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("/tasks/3/profile");
    assertThat(admin.get("/api/v1/tasks?label=batch:" + failed).items()).isEmpty();
    assertThat(admin.get("/api/v1/tasks?label=batch:" + marker).items()).hasSize(5);
  }

  @Test
  void keyset_pages_stay_stable_while_tasks_are_inserted() throws Exception {
    String label = "page-" + System.nanoTime();
    Set<String> before = new HashSet<>();
    for (int i = 0; i < 45; i++) {
      before.add(create(label, "p" + i).getString("id"));
    }
    AtomicBoolean inserting = new AtomicBoolean(true);
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<Integer> inserted = writer.submit((Callable<Integer>) () -> {
      int n = 0;
      while (inserting.get() && n < 500) {
        create(label, "late" + n++);
      }
      return n;
    });
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      Response page = admin.get("/api/v1/tasks?limit=7&label=suite:" + label + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      page.items().forEach(t -> seen.add(((JsonObject) t).getString("id")));
      cursor = page.json().getString("next");
    } while (cursor != null);
    inserting.set(false);
    assertThat(inserted.get(60, TimeUnit.SECONDS)).isPositive();
    writer.shutdown();
    assertThat(new HashSet<>(seen)).as("no duplicates across pages").hasSize(seen.size());
    assertThat(seen).as("every task that existed before paging began").containsAll(before);
  }

  @Test
  void patch_changes_a_queued_task_and_honours_if_match() throws Exception {
    JsonObject task = admin.createTask("patch me");
    String path = "/api/v1/tasks/" + task.getString("id");
    Response patched = admin.send("PATCH", path, new JsonObject().put("name", "patched").put("priority", 9),
        Map.of("If-Match", "\"1\""));
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("name")).isEqualTo("patched");
    assertThat(patched.json().getInteger("priority")).isEqualTo(9);
    assertThat(patched.json().getInteger("version")).isEqualTo(2);

    Response stale = admin.send("PATCH", path, new JsonObject().put("priority", 1), Map.of("If-Match", "\"1\""));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(admin.get(path).json().getInteger("priority")).as("a refused patch changes nothing").isEqualTo(9);

    Response runNow = admin.send("PATCH", path, new JsonObject().putNull("runAt"), Map.of());
    assertThat(runNow.status()).isEqualTo(200);

    List<String> types = new ArrayList<>();
    admin.get(path + "/events").items().forEach(e -> types.add(((JsonObject) e).getString("type")));
    assertThat(types).containsExactly("created", "updated", "updated");

    setState(task.getString("id"), "succeeded");
    assertThat(admin.send("PATCH", path, new JsonObject().put("name", "late"), Map.of()).status()).isEqualTo(409);
  }

  @Test
  void delete_hides_finished_tasks_and_keeps_their_events() throws Exception {
    JsonObject task = admin.createTask("delete me");
    String path = "/api/v1/tasks/" + task.getString("id");
    assertThat(admin.delete(path).status()).as("a queued task cannot be deleted").isEqualTo(409);
    setState(task.getString("id"), "failed");
    assertThat(admin.delete(path).status()).isEqualTo(204);
    assertThat(admin.get(path).status()).isEqualTo(404);
    assertThat(admin.delete(path).status()).isEqualTo(404);
    List<String> types = new ArrayList<>();
    admin.get(path + "/events").items().forEach(e -> types.add(((JsonObject) e).getString("type")));
    assertThat(types).containsExactly("created", "deleted");
  }

  @Test
  void the_database_refuses_to_change_history() throws Exception {
    admin.createTask("history");
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("UPDATE task_events SET actor = 'mallory'"))
          .hasMessageContaining("append-only");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("DELETE FROM task_events"))
          .hasMessageContaining("append-only");
    }
  }

  @Test
  void serves_its_contract() {
    Response contract = admin.get("/api/v1/openapi.yaml");
    assertThat(contract.status()).isEqualTo(200);
    assertThat(contract.body()).contains("operationId: createTask");
  }

  private JsonObject create(String label, String name) {
    Response r = admin.post("/api/v1/tasks", new JsonObject().put("name", name).put("profile", "noop")
        .put("labels", new JsonObject().put("suite", label)));
    assertThat(r.status()).isEqualTo(201);
    return r.json();
  }

  /** Moves a task behind the API's back, as the execution plane would. */
  private void setState(String id, String state) throws Exception {
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE tasks SET state = '" + state + "', finished_at = now() WHERE id = '" + id + "'");
    }
  }
}
