package dev.overseer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input, one case a row: each is refused with exactly its 4xx (never a 500) as
 * {@code application/problem+json} with {@code type}, {@code title}, {@code status} and {@code detail}, and,
 * when the case is about one field, an {@code errors} entry naming that field. Every create carries the
 * probe label (and the probe name where the name is not the bad part), so the last test can prove that no
 * refused request left a task, a token or a change behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String PROBE_KEY = "probe";
  private static final String PROBE_VALUE = "bad-input";
  private static final String PROBE_NAME = "bad-input-probe";
  /** Keeps the fixtures queued: the dispatcher claims a task only once its runAt has passed. */
  private static final String FAR_FUTURE = "2999-01-01T00:00:00Z";
  /** Stands for the id of a queued task in a case's path. */
  private static final String QUEUED = "{queued}";
  /** Stands for the id of a failed task (attempt 3 of 3) in a case's path. */
  private static final String FAILED = "{failed}";
  private static final String TASKS = "/api/v1/tasks";
  private static final String TOKENS = "/api/v1/tokens";

  private static TestOverseer overseer;
  private static ApiClient admin;
  private static String queuedId;
  private static String failedId;
  /** The cases that sent their request: the leftover check is only meaningful after all of them. */
  private static final Set<String> sent = ConcurrentHashMap.newKeySet();

  /** One bad request and how it must be refused; {@code field} is null when no single field is at fault. */
  record Case(String name, String method, String path, Object body, Map<String, String> headers, int status,
      String field) {}

  @BeforeAll
  static void start() throws Exception {
    overseer = TestOverseer.start();
    admin = overseer.admin;
    queuedId = fixture("bad-input-fixture-queued");
    failedId = fixture("bad-input-fixture-failed");
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
      // a task that used up its 3 attempts, as the execution plane leaves it
      s.executeUpdate("UPDATE tasks SET state = 'failed', attempt = 3, finished_at = now() WHERE id = '" + failedId + "'");
    }
  }

  @AfterAll
  static void stop() {
    if (overseer != null) overseer.close();
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();

    // the body as a whole
    cases.add(create("malformed JSON (unclosed object)",
        "{\"name\": \"" + PROBE_NAME + "\", \"profile\": \"noop\", \"labels\": {\"probe\": \"bad-input\"}", 400, null));
    cases.add(create("empty body", "", 400, null));
    cases.add(create("no body at all", null, 400, null));
    cases.add(create("JSON array instead of an object", "[" + task().encode() + "]", 400, "/"));
    cases.add(create("JSON null instead of an object", "null", 400, "/"));
    cases.add(bad("body sent as text/plain", "POST", TASKS, task().encode(), Map.of("Content-Type", "text/plain"), 415, null));
    cases.add(create("unknown top-level field", task().put("colour", "red"), 400, "/colour"));

    // name
    cases.add(create("name empty", task().put("name", ""), 400, "/name"));
    cases.add(create("name of 201 characters", task().put("name", "n".repeat(201)), 400, "/name"));
    cases.add(create("name a number", task().put("name", 42), 400, "/name"));
    cases.add(create("name containing a NUL character", task().put("name", "bad\u0000name"), 422, "/name"));

    // profile
    JsonObject noProfile = task();
    noProfile.remove("profile");
    cases.add(create("profile missing", noProfile, 400, "/profile"));
    cases.add(create("profile not configured", task().put("profile", "no-such-profile"), 422, "/profile"));

    // priority
    cases.add(create("priority 101", task().put("priority", 101), 400, "/priority"));
    cases.add(create("priority -101", task().put("priority", -101), 400, "/priority"));
    cases.add(create("priority 1.5", task().put("priority", 1.5), 400, "/priority"));
    cases.add(create("priority \"high\"", task().put("priority", "high"), 400, "/priority"));

    // maxAttempts
    cases.add(create("maxAttempts 0", task().put("maxAttempts", 0), 400, "/maxAttempts"));
    cases.add(create("maxAttempts 101", task().put("maxAttempts", 101), 400, "/maxAttempts"));

    // timeout
    cases.add(create("timeout \"soon\"", task().put("timeout", "soon"), 422, "/timeout"));
    cases.add(create("timeout \"0s\"", task().put("timeout", "0s"), 422, "/timeout"));
    cases.add(create("timeout \"8d\"", task().put("timeout", "8d"), 422, "/timeout"));

    // runAt
    cases.add(create("runAt \"yesterday\"", task().put("runAt", "yesterday"), 422, "/runAt"));
    cases.add(create("runAt in the year 300000", task().put("runAt", "+300000-01-01T00:00:00Z"), 422, "/runAt"));

    // labels
    JsonObject many = probeLabels();
    for (int i = 0; i < 32; i++) many.put("k" + i, "v");
    cases.add(create("labels with 33 entries", task().put("labels", many), 400, "/labels"));
    cases.add(create("label key with a space and '!'", task().put("labels", probeLabels().put("bad key!", "v")), 400,
        "/labels/bad key!"));
    cases.add(create("label value of 257 characters", task().put("labels", probeLabels().put("team", "v".repeat(257))),
        400, "/labels/team"));
    cases.add(create("label value containing a NUL character",
        task().put("labels", probeLabels().put("team", "bad\u0000label")), 422, "/labels/team"));
    cases.add(create("label value a number", task().put("labels", probeLabels().put("team", 5)), 400, "/labels/team"));

    // input
    cases.add(create("input a string", task().put("input", "run it"), 400, "/input"));
    cases.add(create("input an array", task().put("input", new JsonArray().add(1)), 400, "/input"));
    cases.add(create("input over 256 KiB as JSON",
        task().put("input", new JsonObject().put("blob", "x".repeat(256 * 1024))), 422, "/input"));
    cases.add(create("input containing a NUL character",
        task().put("input", new JsonObject().put("text", "bad\u0000input")), 422, "/input/text"));

    // headers of a create
    cases.add(bad("Idempotency-Key of 201 characters", "POST", TASKS, task(),
        Map.of("Idempotency-Key", "k".repeat(201)), 400, "Idempotency-Key"));

    // batch
    cases.add(bad("batch with 0 tasks", "POST", TASKS + "/batch", batch(0, -1, null), Map.of(), 400, "/tasks"));
    cases.add(bad("batch with 1001 tasks", "POST", TASKS + "/batch", batch(1001, -1, null), Map.of(), 400, "/tasks"));
    cases.add(bad("batch whose task 2 has priority 500", "POST", TASKS + "/batch",
        batch(5, 2, task().put("priority", 500)), Map.of(), 400, "/tasks/2/priority"));
    cases.add(bad("batch whose task 2 names an unknown profile", "POST", TASKS + "/batch",
        batch(5, 2, task().put("profile", "no-such-profile")), Map.of(), 422, "/tasks/2/profile"));
    cases.add(bad("batch without tasks", "POST", TASKS + "/batch", new JsonObject(), Map.of(), 400, "/tasks"));

    // listing
    cases.add(get("list with limit 0", TASKS + "?limit=0", 400, "limit"));
    cases.add(get("list with limit 501", TASKS + "?limit=501", 400, "limit"));
    cases.add(get("list with limit \"x\"", TASKS + "?limit=x", 400, "limit"));
    cases.add(get("list with state \"done\"", TASKS + "?state=done", 400, "state"));
    cases.add(get("list with a malformed cursor", TASKS + "?cursor=!!not-a-cursor!!", 400, "cursor"));
    cases.add(get("list with a cursor this server never handed out", TASKS + "?cursor=czE6LTE", 400, "cursor"));

    // task ids and events
    cases.add(get("GET a malformed task id", TASKS + "/not-a-uuid", 400, "id"));
    cases.add(bad("DELETE a malformed task id", "DELETE", TASKS + "/12345", null, Map.of(), 400, "id"));
    cases.add(get("events after -1", TASKS + "/" + QUEUED + "/events?after=-1", 400, "after"));

    // PATCH
    cases.add(bad("PATCH with an unknown field", "PATCH", TASKS + "/" + QUEUED, new JsonObject().put("colour", "red"),
        Map.of(), 400, "/colour"));
    cases.add(bad("PATCH with an empty object", "PATCH", TASKS + "/" + QUEUED, new JsonObject(), Map.of(), 422, "/"));
    cases.add(bad("PATCH with If-Match \"abc\"", "PATCH", TASKS + "/" + QUEUED, new JsonObject().put("priority", 1),
        Map.of("If-Match", "abc"), 400, "If-Match"));
    cases.add(bad("PATCH with a name containing a NUL character", "PATCH", TASKS + "/" + QUEUED,
        new JsonObject().put("name", "bad\u0000name"), Map.of(), 422, "/name"));
    cases.add(bad("PATCH with priority 101", "PATCH", TASKS + "/" + QUEUED, new JsonObject().put("priority", 101),
        Map.of(), 400, "/priority"));

    // retry
    cases.add(bad("retry with maxAttempts 0", "POST", TASKS + "/" + FAILED + "/retry",
        new JsonObject().put("maxAttempts", 0), Map.of(), 400, "/maxAttempts"));
    cases.add(bad("retry with maxAttempts 101", "POST", TASKS + "/" + FAILED + "/retry",
        new JsonObject().put("maxAttempts", 101), Map.of(), 400, "/maxAttempts"));

    // profiles
    cases.add(bad("pause without a reason", "POST", "/api/v1/profiles/noop/pause", new JsonObject(), Map.of(), 400,
        "/reason"));
    cases.add(bad("pause a malformed profile name", "POST", "/api/v1/profiles/Bad!Name/pause",
        new JsonObject().put("reason", "test"), Map.of(), 400, "name"));

    // tokens
    cases.add(bad("token with role \"root\"", "POST", TOKENS, new JsonObject().put("name", "bad-role").put("role", "root"),
        Map.of(), 400, "/role"));
    cases.add(bad("token named \"bad name!\"", "POST", TOKENS,
        new JsonObject().put("name", "bad name!").put("role", "viewer"), Map.of(), 400, "/name"));
    cases.add(bad("token name of 64 characters", "POST", TOKENS,
        new JsonObject().put("name", "t".repeat(64)).put("role", "viewer"), Map.of(), 400, "/name"));

    // size and routing
    cases.add(create("body over the 1 MiB limit",
        task().put("input", new JsonObject().put("blob", "x".repeat(1 << 20))).encode(), 413, null));
    cases.add(get("unknown route", "/api/v1/no-such-thing", 404, null));
    cases.add(bad("PUT on /api/v1/tasks", "PUT", TASKS, task(), Map.of(), 405, null));
    return cases.stream();
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void is_refused_with_a_problem(Case c) {
    String path = c.path().replace(QUEUED, queuedId).replace(FAILED, failedId);
    sent.add(c.name());
    Response r;
    try {
      r = admin.send(c.method(), path, c.body(), c.headers());
    } catch (IllegalStateException noAnswer) {
      throw new AssertionError(c.name() + ": " + c.method() + " " + path + " got no answer: " + noAnswer.getMessage(),
          noAnswer);
    }

    assertThat(r.status()).as("%s: status of %s %s: %s", c.name(), c.method(), path, r.body()).isEqualTo(c.status());
    assertThat(r.header("Content-Type")).as("%s: Content-Type", c.name()).isNotNull();
    assertThat(r.header("Content-Type").split(";")[0].trim()).as("%s: media type", c.name()).isEqualTo(PROBLEM_JSON);
    JsonObject problem = r.json();
    assertThat(problem.getString("type")).as("%s: type", c.name()).isNotBlank();
    assertThat(problem.getString("title")).as("%s: title", c.name()).isNotBlank();
    assertThat(problem.getValue("status")).as("%s: status in the body", c.name()).isEqualTo(c.status());
    assertThat(problem.getString("detail")).as("%s: detail", c.name()).isNotBlank();
    if (c.field() == null) return;

    JsonArray errors = problem.getJsonArray("errors");
    assertThat(errors).as("%s: errors of %s", c.name(), r.body()).isNotNull().isNotEmpty();
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < errors.size(); i++) {
      JsonObject error = errors.getJsonObject(i);
      assertThat(error.getString("field")).as("%s: errors[%d].field", c.name(), i).isNotBlank();
      assertThat(error.getString("reason")).as("%s: errors[%d].reason", c.name(), i).isNotBlank();
      fields.add(error.getString("field"));
    }
    assertThat(fields).as("%s: fields named by %s", c.name(), r.body()).contains(c.field());
  }

  @Order(2)
  @Test
  void none_of_the_refused_requests_left_anything_behind() throws Exception {
    List<String> all = cases().map(a -> ((Case) ((Named<?>) a.get()[0]).getPayload()).name()).toList();
    assertThat(all).as("case names are distinct").doesNotHaveDuplicates();
    assertThat(sent).as("every case sent its request before this check").containsExactlyInAnyOrderElementsOf(all);

    // behind the API's back first: a leftover row must be named even if the API cannot list it
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
      assertThat(strings(s, "SELECT id::text || ' ' || name || ' ' || labels::text FROM tasks"))
          .as("every task row, deleted ones included: only the two fixtures")
          .containsExactlyInAnyOrder(queuedId + " bad-input-fixture-queued {}", failedId + " bad-input-fixture-failed {}");
      assertThat(strings(s, "SELECT name FROM api_tokens")).as("tokens").containsExactly("admin");
      assertThat(strings(s, "SELECT type FROM task_events WHERE task_id IS NOT NULL ORDER BY id"))
          .as("task events: the two fixtures' creation, nothing since").containsExactly("created", "created");
      assertThat(strings(s, "SELECT profile FROM profile_state WHERE paused")).as("paused profiles").isEmpty();
    }

    Response probed = admin.get(TASKS + "?limit=500&label=" + PROBE_KEY + ":" + PROBE_VALUE);
    assertThat(probed.status()).as(probed.body()).isEqualTo(200);
    assertThat(probed.items()).as("tasks with the probe label").isEmpty();

    JsonObject queued = admin.get(TASKS + "/" + queuedId).json();
    assertThat(queued.getString("state")).isEqualTo("queued");
    assertThat(queued.getInteger("version")).as("the PATCH target was never changed").isEqualTo(1);
    assertThat(queued.getInteger("priority")).isZero();
    JsonObject failed = admin.get(TASKS + "/" + failedId).json();
    assertThat(failed.getString("state")).as("the retry target was never retried").isEqualTo("failed");
    assertThat(failed.getInteger("version")).isEqualTo(1);
    assertThat(failed.getInteger("maxAttempts")).isEqualTo(3);
  }

  private static List<String> strings(Statement s, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  /** A valid create, marked with the probe name and label; each case breaks one thing in it. */
  private static JsonObject task() {
    return new JsonObject().put("name", PROBE_NAME).put("profile", "noop").put("labels", probeLabels());
  }

  private static JsonObject probeLabels() {
    return new JsonObject().put(PROBE_KEY, PROBE_VALUE);
  }

  /** {@code size} valid tasks, with {@code bad} at index {@code badAt} (none when negative). */
  private static JsonObject batch(int size, int badAt, JsonObject bad) {
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < size; i++) tasks.add(i == badAt ? bad : task().put("name", PROBE_NAME + "-" + i));
    return new JsonObject().put("tasks", tasks);
  }

  private static String fixture(String name) {
    Response r = admin.post(TASKS, new JsonObject().put("name", name).put("profile", "noop").put("runAt", FAR_FUTURE));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  private static Arguments create(String name, Object body, int status, String field) {
    return bad(name, "POST", TASKS, body, Map.of(), status, field);
  }

  private static Arguments get(String name, String path, int status, String field) {
    return bad(name, "GET", path, null, Map.of(), status, field);
  }

  private static Arguments bad(String name, String method, String path, Object body, Map<String, String> headers,
      int status, String field) {
    String shown = name + " → " + status + (field == null ? "" : " " + field);
    return Arguments.of(Named.of(shown, new Case(name, method, path, body, headers, status, field)));
  }
}
