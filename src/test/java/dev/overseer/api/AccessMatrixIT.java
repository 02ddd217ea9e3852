package dev.overseer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Who may do what: every caller (no token, an unknown token, a revoked token, viewer, operator, admin)
 * against every operation of the contract. Unauthenticated callers get 401; a role below the operation's
 * {@code x-overseer-role} gets 403 and changes nothing; every other caller gets the operation's success
 * status. Then the rules that go beyond roles: operators change only their own tasks, admins anyone's,
 * events name the acting token, a revocation holds from the next request, token listings hold no secret.
 */
class AccessMatrixIT {
  private static final String PROBLEM_JSON = "application/problem+json";
  /** Keeps fixtures queued: the dispatcher claims a task only once its runAt has passed. */
  private static final String FAR_FUTURE = "2999-01-01T00:00:00Z";
  private static final List<String> ROLES = List.of("viewer", "operator", "admin");
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static TestOverseer overseer;
  /** The bootstrap admin: builds the fixtures and checks that refused requests changed nothing. */
  private static ApiClient admin;
  private static final Map<Caller, ApiClient> clients = new EnumMap<>(Caller.class);

  /** Who calls. {@code role} is null for the callers that must not get past authentication. */
  enum Caller {
    NO_TOKEN(null, null),
    UNKNOWN_TOKEN(null, null),
    REVOKED_TOKEN(null, "matrix-revoked"),
    VIEWER("viewer", "matrix-viewer"),
    OPERATOR("operator", "matrix-operator"),
    ADMIN("admin", "matrix-admin");

    final String role;
    final String tokenName;

    Caller(String role, String tokenName) {
      this.role = role;
      this.tokenName = tokenName;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  /** A request ready to send, and what must still hold when it is refused. */
  record Prepared(String path, Object body, Check unchanged) {}

  interface Check {
    void verify() throws Exception;
  }

  interface Setup {
    Prepared prepare(Caller caller) throws Exception;
  }

  /** One operation of the contract as this test expects it: its role and its success status. */
  record Operation(String id, String method, String path, String role, int success, Setup setup) {}

  private static final List<Operation> OPERATIONS = List.of(
      new Operation("getContract", "GET", "/api/v1/openapi.yaml", "viewer", 200,
          caller -> new Prepared("/api/v1/openapi.yaml", null, () -> {})),
      new Operation("createTask", "POST", "/api/v1/tasks", "operator", 201, caller -> {
        String label = "create-" + UNIQUE.incrementAndGet();
        JsonObject body = new JsonObject().put("name", "matrix").put("profile", "noop").put("runAt", FAR_FUTURE)
            .put("labels", new JsonObject().put("matrix", label));
        return new Prepared("/api/v1/tasks", body, () -> assertNoTaskLabelled(label));
      }),
      new Operation("listTasks", "GET", "/api/v1/tasks", "viewer", 200,
          caller -> new Prepared("/api/v1/tasks", null, () -> {})),
      new Operation("createTasks", "POST", "/api/v1/tasks/batch", "operator", 201, caller -> {
        String label = "batch-" + UNIQUE.incrementAndGet();
        JsonArray tasks = new JsonArray();
        for (int i = 0; i < 2; i++) {
          tasks.add(new JsonObject().put("name", "matrix-" + i).put("profile", "noop").put("runAt", FAR_FUTURE)
              .put("labels", new JsonObject().put("matrix", label)));
        }
        return new Prepared("/api/v1/tasks/batch", new JsonObject().put("tasks", tasks), () -> assertNoTaskLabelled(label));
      }),
      new Operation("getTask", "GET", "/api/v1/tasks/{id}", "viewer", 200,
          caller -> new Prepared("/api/v1/tasks/" + queuedTask(admin), null, () -> {})),
      new Operation("patchTask", "PATCH", "/api/v1/tasks/{id}", "operator", 200, caller -> {
        String id = queuedTask(ownerFor(caller));
        return new Prepared("/api/v1/tasks/" + id, new JsonObject().put("priority", 7), () -> {
          JsonObject task = admin.get("/api/v1/tasks/" + id).json();
          assertThat(task.getInteger("version")).as("version of the refused patch's task").isEqualTo(1);
          assertThat(task.getInteger("priority")).isZero();
        });
      }),
      new Operation("deleteTask", "DELETE", "/api/v1/tasks/{id}", "operator", 204, caller -> {
        String id = queuedTask(ownerFor(caller));
        setState(id, "succeeded");
        return new Prepared("/api/v1/tasks/" + id, null,
            () -> assertThat(admin.get("/api/v1/tasks/" + id).status()).as("the task is still there").isEqualTo(200));
      }),
      new Operation("listTaskEvents", "GET", "/api/v1/tasks/{id}/events", "viewer", 200,
          caller -> new Prepared("/api/v1/tasks/" + queuedTask(admin) + "/events", null, () -> {})),
      new Operation("retryTask", "POST", "/api/v1/tasks/{id}/retry", "operator", 200, caller -> {
        String id = queuedTask(ownerFor(caller));
        setState(id, "failed");
        return new Prepared("/api/v1/tasks/" + id + "/retry", new JsonObject(), () ->
            assertThat(admin.get("/api/v1/tasks/" + id).json().getString("state")).as("state").isEqualTo("failed"));
      }),
      new Operation("pauseProfile", "POST", "/api/v1/profiles/{name}/pause", "operator", 200, caller -> {
        Response resumed = admin.post("/api/v1/profiles/idle/resume", new JsonObject().put("reason", "matrix setup"));
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
        return new Prepared("/api/v1/profiles/idle/pause", new JsonObject().put("reason", "access matrix"),
            () -> assertThat(idlePaused()).as("idle paused").isFalse());
      }),
      new Operation("resumeProfile", "POST", "/api/v1/profiles/{name}/resume", "operator", 200, caller -> {
        Response paused = admin.post("/api/v1/profiles/idle/pause", new JsonObject().put("reason", "matrix setup"));
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        return new Prepared("/api/v1/profiles/idle/resume", new JsonObject().put("reason", "access matrix"),
            () -> assertThat(idlePaused()).as("idle paused").isTrue());
      }),
      new Operation("killTask", "POST", "/api/v1/tasks/{id}/kill", "operator", 200, caller -> {
        String id = queuedTask(ownerFor(caller));
        return new Prepared("/api/v1/tasks/" + id + "/kill", new JsonObject().put("reason", "access matrix"), () ->
            assertThat(admin.get("/api/v1/tasks/" + id).json().getString("state")).as("state").isEqualTo("queued"));
      }),
      new Operation("getKill", "GET", "/api/v1/tasks/{id}/kill", "viewer", 200, caller -> {
        String id = queuedTask(admin);
        assertThat(admin.post("/api/v1/tasks/" + id + "/kill", new JsonObject().put("reason", "matrix setup")).status())
            .isEqualTo(200);
        return new Prepared("/api/v1/tasks/" + id + "/kill", null, () -> {});
      }),
      new Operation("killAll", "POST", "/api/v1/kill-all", "admin", 200, caller -> {
        String label = "killall-" + UNIQUE.incrementAndGet();
        Response created = admin.post("/api/v1/tasks", new JsonObject().put("name", "victim").put("profile", "noop")
            .put("runAt", FAR_FUTURE).put("labels", new JsonObject().put("matrix", label)));
        String id = created.json().getString("id");
        return new Prepared("/api/v1/kill-all", new JsonObject().put("reason", "access matrix")
            .put("labels", new JsonObject().put("matrix", label)), () ->
            assertThat(admin.get("/api/v1/tasks/" + id).json().getString("state")).as("state").isEqualTo("queued"));
      }),
      new Operation("getDispatch", "GET", "/api/v1/dispatch", "viewer", 200,
          caller -> new Prepared("/api/v1/dispatch", null, () -> {})),
      new Operation("pauseDispatch", "POST", "/api/v1/dispatch/pause", "admin", 200, caller -> {
        assertThat(admin.post("/api/v1/dispatch/resume", new JsonObject()).status()).isEqualTo(200);
        return new Prepared("/api/v1/dispatch/pause", new JsonObject().put("reason", "access matrix"), () ->
            assertThat(admin.get("/api/v1/dispatch").json().getBoolean("paused")).as("dispatch paused").isFalse());
      }),
      new Operation("resumeDispatch", "POST", "/api/v1/dispatch/resume", "admin", 200, caller -> {
        assertThat(admin.post("/api/v1/dispatch/pause", new JsonObject().put("reason", "matrix setup")).status())
            .isEqualTo(200);
        return new Prepared("/api/v1/dispatch/resume", new JsonObject(), () ->
            assertThat(admin.get("/api/v1/dispatch").json().getBoolean("paused")).as("dispatch paused").isTrue());
      }),
      new Operation("listTaskLogs", "GET", "/api/v1/tasks/{id}/logs", "viewer", 200,
          caller -> new Prepared("/api/v1/tasks/" + queuedTask(admin) + "/logs", null, () -> {})),
      new Operation("listEvents", "GET", "/api/v1/events", "viewer", 200,
          caller -> new Prepared("/api/v1/events?limit=5", null, () -> {})),
      new Operation("listAudit", "GET", "/api/v1/audit", "viewer", 200,
          caller -> new Prepared("/api/v1/audit?limit=5", null, () -> {})),
      new Operation("whoAmI", "GET", "/api/v1/me", "viewer", 200,
          caller -> new Prepared("/api/v1/me", null, () -> {})),
      new Operation("countTasks", "GET", "/api/v1/counts", "viewer", 200,
          caller -> new Prepared("/api/v1/counts", null, () -> {})),
      new Operation("listAgents", "GET", "/api/v1/agents", "viewer", 200,
          caller -> new Prepared("/api/v1/agents", null, () -> {})),
      new Operation("listNodes", "GET", "/api/v1/nodes", "viewer", 200,
          caller -> new Prepared("/api/v1/nodes", null, () -> {})),
      new Operation("listProfiles", "GET", "/api/v1/profiles", "viewer", 200,
          caller -> new Prepared("/api/v1/profiles", null, () -> {})),
      new Operation("createToken", "POST", "/api/v1/tokens", "admin", 201, caller -> {
        String name = "made-" + UNIQUE.incrementAndGet();
        return new Prepared("/api/v1/tokens", new JsonObject().put("name", name).put("role", "viewer"),
            () -> assertThat(tokenNames()).as("tokens").doesNotContain(name));
      }),
      new Operation("listTokens", "GET", "/api/v1/tokens", "admin", 200,
          caller -> new Prepared("/api/v1/tokens", null, () -> {})),
      new Operation("revokeToken", "DELETE", "/api/v1/tokens/{name}", "admin", 200, caller -> {
        String name = "doomed-" + UNIQUE.incrementAndGet();
        String value = newToken(name, "viewer");
        return new Prepared("/api/v1/tokens/" + name, null, () -> {
          Response stillWorks = overseer.client(value).get("/api/v1/profiles");
          assertThat(stillWorks.status()).as("the token survives a refused revocation").isEqualTo(200);
        });
      }));

  @BeforeAll
  static void start() throws Exception {
    overseer = TestOverseer.start("""
        profiles:
          idle:
            kind: builtin
            agent: sleep
        """);
    admin = overseer.admin;
    clients.put(Caller.NO_TOKEN, overseer.client(null));
    clients.put(Caller.UNKNOWN_TOKEN, overseer.client("ovs_" + randomValue()));
    for (Caller caller : List.of(Caller.VIEWER, Caller.OPERATOR, Caller.ADMIN)) {
      clients.put(caller, overseer.clientWithRole(caller.tokenName, caller.role));
    }
    // an admin token that worked, then was revoked: the revocation, not the role, must decide
    ApiClient revoked = overseer.clientWithRole(Caller.REVOKED_TOKEN.tokenName, "admin");
    assertThat(revoked.get("/api/v1/tokens").status()).isEqualTo(200);
    Response revocation = admin.delete("/api/v1/tokens/" + Caller.REVOKED_TOKEN.tokenName);
    assertThat(revocation.status()).as(revocation.body()).isEqualTo(200);
    clients.put(Caller.REVOKED_TOKEN, revoked);
  }

  @AfterAll
  static void stop() {
    if (overseer != null) overseer.close();
  }

  @Test
  void the_matrix_covers_every_operation_of_the_contract_with_its_role() throws Exception {
    Map<String, String> expected = new TreeMap<>();
    OPERATIONS.forEach(op -> expected.put(op.id(), op.method() + " " + op.path() + " " + op.role()));
    // the two long-lived streams are checked role by role in dev.overseer.stream.StreamIT
    expected.put("openStream", "GET /api/v1/stream viewer");
    expected.put("streamEvents", "GET /api/v1/events/stream viewer");
    assertThat(contractOperations()).isEqualTo(expected);
  }

  static Stream<Arguments> matrix() {
    List<Arguments> cases = new ArrayList<>();
    for (Operation op : OPERATIONS) {
      for (Caller caller : Caller.values()) {
        int status = expectedStatus(op, caller);
        cases.add(Arguments.of(Named.of(op.id() + " (" + op.role() + ") by " + caller + " → " + status, op), caller));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  void every_caller_gets_its_status_on_every_operation(Operation op, Caller caller) throws Exception {
    int expected = expectedStatus(op, caller);
    Prepared request = op.setup().prepare(caller);
    Response r = clients.get(caller).send(op.method(), request.path(), request.body(), Map.of());
    assertThat(r.status()).as("%s by %s: %s %s: %s", op.id(), caller, op.method(), request.path(), r.body())
        .isEqualTo(expected);
    if (expected == 401 || expected == 403) {
      assertRefusal(r, expected);
      request.unchanged().verify();
    }
  }

  @Test
  void an_operator_patches_and_deletes_the_tasks_it_created() throws Exception {
    ApiClient operator = clients.get(Caller.OPERATOR);
    String id = queuedTask(operator);
    Response patched = operator.send("PATCH", "/api/v1/tasks/" + id, new JsonObject().put("name", "renamed"), Map.of());
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("name")).isEqualTo("renamed");
    setState(id, "succeeded");
    assertThat(operator.delete("/api/v1/tasks/" + id).status()).isEqualTo(204);
    assertThat(admin.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
  }

  @Test
  void an_operator_gets_403_on_a_task_the_admin_or_another_operator_created() throws Exception {
    ApiClient operator = clients.get(Caller.OPERATOR);
    ApiClient otherOperator = overseer.clientWithRole("other-operator", "operator");
    for (ApiClient creator : List.of(admin, otherOperator)) {
      String id = queuedTask(creator);
      String path = "/api/v1/tasks/" + id;
      Response patch = operator.send("PATCH", path, new JsonObject().put("name", "taken over"), Map.of());
      assertThat(patch.status()).as(patch.body()).isEqualTo(403);
      assertRefusal(patch, 403);
      setState(id, "succeeded");
      Response delete = operator.delete(path);
      assertThat(delete.status()).as(delete.body()).isEqualTo(403);
      assertRefusal(delete, 403);
      JsonObject task = admin.get(path).json();
      assertThat(task.getString("name")).as("a refused patch renames nothing").isEqualTo("matrix-fixture");
      assertThat(task.getInteger("version")).isEqualTo(1);
      assertThat(eventTypes(id)).as("no event of a refused change").containsExactly("created");
    }
  }

  @Test
  void an_admin_changes_anyones_task() throws Exception {
    ApiClient boss = clients.get(Caller.ADMIN);
    String id = queuedTask(clients.get(Caller.OPERATOR));
    String path = "/api/v1/tasks/" + id;
    Response patched = boss.send("PATCH", path, new JsonObject().put("priority", 50), Map.of());
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getInteger("priority")).isEqualTo(50);
    setState(id, "succeeded");
    Response deleted = boss.delete(path);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
    assertThat(admin.get(path).status()).isEqualTo(404);
  }

  @Test
  void events_name_the_token_that_acted() throws Exception {
    ApiClient operator = clients.get(Caller.OPERATOR);
    ApiClient boss = clients.get(Caller.ADMIN);
    String id = queuedTask(operator);
    String path = "/api/v1/tasks/" + id;
    assertThat(admin.get(path).json().getString("createdBy")).isEqualTo(Caller.OPERATOR.tokenName);
    assertThat(boss.send("PATCH", path, new JsonObject().put("priority", 3), Map.of()).status()).isEqualTo(200);
    setState(id, "succeeded");
    assertThat(operator.delete(path).status()).isEqualTo(204);

    Response events = clients.get(Caller.VIEWER).get(path + "/events");
    assertThat(events.status()).as(events.body()).isEqualTo(200);
    List<String> typeAndActor = new ArrayList<>();
    events.items().forEach(e -> typeAndActor.add(((JsonObject) e).getString("type") + " by "
        + ((JsonObject) e).getString("actor")));
    assertThat(typeAndActor).containsExactly(
        "created by " + Caller.OPERATOR.tokenName,
        "updated by " + Caller.ADMIN.tokenName,
        "deleted by " + Caller.OPERATOR.tokenName);
  }

  @Test
  void a_revoked_token_is_refused_on_its_very_next_request() {
    String value = newToken("short-lived", "operator");
    ApiClient shortLived = overseer.client(value);
    assertThat(shortLived.get("/api/v1/tasks").status()).isEqualTo(200);

    Response revoked = admin.delete("/api/v1/tokens/short-lived");
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
    assertThat(revoked.json().getString("name")).isEqualTo("short-lived");
    assertThat(revoked.json().getString("revokedAt")).isNotNull();

    Response next = shortLived.get("/api/v1/tasks");
    assertThat(next.status()).as(next.body()).isEqualTo(401);
    assertRefusal(next, 401);
    Response write = shortLived.post("/api/v1/tasks", new JsonObject().put("name", "too late").put("profile", "noop")
        .put("runAt", FAR_FUTURE).put("labels", new JsonObject().put("matrix", "too-late")));
    assertThat(write.status()).as(write.body()).isEqualTo(401);
    assertNoTaskLabelled("too-late");
  }

  @Test
  void the_token_listing_never_shows_a_token_value_or_hash() throws Exception {
    List<String> values = new ArrayList<>(List.of(TestOverseer.ADMIN_TOKEN));
    for (String role : ROLES) values.add(newToken("listed-" + role, role));
    values.add(newToken("listed-revoked", "viewer"));
    assertThat(admin.delete("/api/v1/tokens/listed-revoked").status()).isEqualTo(200);

    Response listed = admin.get("/api/v1/tokens");
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    List<String> hashes = new ArrayList<>();
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT token_hash FROM api_tokens")) {
      while (rs.next()) hashes.add(rs.getString(1));
    }
    assertThat(hashes).as("stored hashes").hasSizeGreaterThanOrEqualTo(values.size());
    for (String value : values) assertThat(listed.body()).doesNotContain(value);
    for (String hash : hashes) {
      assertThat(listed.body().toLowerCase(Locale.ROOT)).doesNotContain(hash.toLowerCase(Locale.ROOT));
    }
    assertThat(listed.items()).isNotEmpty();
    listed.items().forEach(item -> assertThat(((JsonObject) item).fieldNames())
        .as("fields of a listed token")
        .noneMatch(f -> f.toLowerCase(Locale.ROOT).contains("token") || f.toLowerCase(Locale.ROOT).contains("hash")
            || f.toLowerCase(Locale.ROOT).contains("secret") || f.toLowerCase(Locale.ROOT).contains("value")));
  }

  @Test
  void health_endpoints_answer_without_a_token() {
    ApiClient anonymous = clients.get(Caller.NO_TOKEN);
    Response live = anonymous.get("/health/live");
    assertThat(live.status()).as(live.body()).isEqualTo(200);
    Response ready = anonymous.get("/health/ready");
    assertThat(ready.status()).as(ready.body()).isEqualTo(200);
  }

  /**
   * Paths the router would normalize (double slashes, percent-escapes, dot segments, a trailing slash)
   * are refused outright with 404, whoever asks: no spelling can slip past the role check.
   */
  static Stream<Arguments> respelledPaths() {
    return Stream.of(
        respelled("viewer creates a token at /api/v1//tokens", Caller.VIEWER, "POST", "/api/v1//tokens", 404),
        respelled("viewer creates a token at /api/v1/%74okens", Caller.VIEWER, "POST", "/api/v1/%74okens", 404),
        respelled("viewer creates a token at /api/v1/tasks/../tokens", Caller.VIEWER, "POST", "/api/v1/tasks/../tokens",
            404),
        respelled("viewer creates a token at /api/v1/tokens/", Caller.VIEWER, "POST", "/api/v1/tokens/", 404),
        respelled("viewer lists tokens at /api/v1/tokens/", Caller.VIEWER, "GET", "/api/v1/tokens/", 404),
        respelled("viewer revokes a token at /api/v1/%74okens/{name}", Caller.VIEWER, "DELETE", "/api/v1/%74okens/",
            404),
        respelled("no token lists tasks at /%61pi/v1/tasks", Caller.NO_TOKEN, "GET", "/%61pi/v1/tasks", 404),
        respelled("no token lists tokens at //api/v1/tokens", Caller.NO_TOKEN, "GET", "//api/v1/tokens", 404),
        respelled("no token creates a token at /%61pi/v1/tokens", Caller.NO_TOKEN, "POST", "/%61pi/v1/tokens", 404));
  }

  @ParameterizedTest(name = "{0} → {3}")
  @MethodSource("respelledPaths")
  void the_role_check_holds_however_the_path_is_spelled(String name, Caller caller, String method, int expected,
      String path) {
    String madeName = "respelled-" + UNIQUE.incrementAndGet();
    String victim = "victim-" + UNIQUE.incrementAndGet();
    String victimValue = newToken(victim, "viewer");
    String target = method.equals("DELETE") ? path + victim : path;
    Object body = method.equals("POST") ? new JsonObject().put("name", madeName).put("role", "admin") : null;

    Response r = clients.get(caller).send(method, target, body, Map.of());
    assertThat(r.status()).as("%s: %s %s by %s: %s", name, method, target, caller, r.body()).isEqualTo(expected);
    assertRefusal(r, expected);
    assertThat(tokenNames()).as("%s: tokens", name).doesNotContain(madeName);
    assertThat(overseer.client(victimValue).get("/api/v1/profiles").status())
        .as("%s: the victim token still works", name).isEqualTo(200);
  }

  private static Arguments respelled(String name, Caller caller, String method, String path, int expected) {
    return Arguments.of(name, caller, method, expected, path);
  }

  private static int expectedStatus(Operation op, Caller caller) {
    if (caller.role == null) return 401;
    if (ROLES.indexOf(caller.role) < ROLES.indexOf(op.role())) return 403;
    return op.success();
  }

  /** The operator and the admin act on tasks they created; the others meet a task of the bootstrap admin. */
  private static ApiClient ownerFor(Caller caller) {
    return caller == Caller.OPERATOR || caller == Caller.ADMIN ? clients.get(caller) : admin;
  }

  private static String queuedTask(ApiClient creator) {
    Response r = creator.post("/api/v1/tasks", new JsonObject().put("name", "matrix-fixture").put("profile", "noop")
        .put("runAt", FAR_FUTURE));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  /** Moves a task behind the API's back, as the execution plane would. */
  private static void setState(String id, String state) throws Exception {
    try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE tasks SET state = '" + state + "', finished_at = now() WHERE id = '" + id + "'");
    }
  }

  private static String newToken(String name, String role) {
    Response r = admin.post("/api/v1/tokens", new JsonObject().put("name", name).put("role", role));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("token");
  }

  private static List<String> tokenNames() {
    List<String> names = new ArrayList<>();
    admin.get("/api/v1/tokens").items().forEach(t -> names.add(((JsonObject) t).getString("name")));
    return names;
  }

  private static void assertNoTaskLabelled(String label) {
    Response r = admin.get("/api/v1/tasks?label=matrix:" + label);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.items()).as("tasks labelled matrix:%s", label).isEmpty();
  }

  private static boolean idlePaused() {
    for (Object p : admin.get("/api/v1/profiles").items()) {
      JsonObject profile = (JsonObject) p;
      if (profile.getString("name").equals("idle")) return profile.getBoolean("paused");
    }
    throw new AssertionError("no profile idle");
  }

  private static List<String> eventTypes(String id) {
    List<String> types = new ArrayList<>();
    admin.get("/api/v1/tasks/" + id + "/events").items().forEach(e -> types.add(((JsonObject) e).getString("type")));
    return types;
  }

  private static void assertRefusal(Response r, int status) {
    assertThat(r.header("Content-Type")).as("Content-Type").isNotNull();
    assertThat(r.header("Content-Type").split(";")[0].trim()).as("media type").isEqualTo(PROBLEM_JSON);
    assertThat(r.json().getValue("status")).as("status in the body").isEqualTo(status);
    if (status == 401) {
      assertThat(r.header("WWW-Authenticate")).as("WWW-Authenticate").startsWith("Bearer");
    }
  }

  /** operationId → "METHOD path x-overseer-role", read from the contract the server is built from. */
  @SuppressWarnings("unchecked")
  private static Map<String, String> contractOperations() throws Exception {
    Map<String, Object> contract;
    try (InputStream in = AccessMatrixIT.class.getClassLoader().getResourceAsStream("api/openapi.yaml")) {
      assertThat(in).as("api/openapi.yaml on the classpath").isNotNull();
      contract = new Yaml().load(in);
    }
    Map<String, String> operations = new TreeMap<>();
    Map<String, Object> paths = (Map<String, Object>) contract.get("paths");
    for (Map.Entry<String, Object> path : paths.entrySet()) {
      Map<String, Object> item = new LinkedHashMap<>((Map<String, Object>) path.getValue());
      for (String method : List.of("get", "put", "post", "delete", "options", "head", "patch", "trace")) {
        Map<String, Object> op = (Map<String, Object>) item.get(method);
        if (op == null) continue;
        operations.put(String.valueOf(op.get("operationId")),
            method.toUpperCase(Locale.ROOT) + " " + path.getKey() + " " + op.get("x-overseer-role"));
      }
    }
    return operations;
  }

  private static String randomValue() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
