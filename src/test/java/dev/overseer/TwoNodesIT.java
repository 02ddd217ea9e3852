package dev.overseer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.OverseerProcess;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Overseer processes (two nodes: their own data directories, hence node ids) on one PostgreSQL
 * database: every task succeeds exactly once, both nodes take work, and when one node is killed with
 * SIGKILL mid-run, the other one reaps its leases once they expire and finishes its tasks.
 */
class TwoNodesIT {
  private static final String ADMIN = "ovs_two_nodes_admin";
  private static final Duration POLL = Duration.ofMillis(150);
  private static final String CONFIG = """
      dispatch:
        leaseTtl: 3s
        pollInterval: 200ms
      defaults:
        concurrency: 20
      profiles:
        sleep:
          kind: builtin
          agent: sleep
          concurrency: 20
      """;

  @TempDir
  Path work;

  @Test
  void a_thousand_noop_tasks_on_two_nodes_each_succeed_exactly_once_and_both_nodes_claim_work() throws Exception {
    String dbUrl = TestDatabases.freshDatabase();
    try (OverseerProcess a = startNode("a", dbUrl); OverseerProcess b = startNode("b", dbUrl)) {
      ApiClient api = new ApiClient(a.awaitReady(), ADMIN);
      b.awaitReady(); // both nodes run before any task exists
      String nodeA = nodeId("a");
      String nodeB = nodeId("b");
      assertThat(nodeA).as("two nodes, two ids").isNotEqualTo(nodeB);

      String run = UUID.randomUUID().toString();
      createTasks(api, run, 1000, i -> new JsonObject().put("name", "noop-" + i).put("profile", "noop")
          .put("input", new JsonObject().put("i", i)));

      Map<String, Long> states = awaitAllTerminal(dbUrl, run, 1000, Duration.ofSeconds(90));
      SoftAssertions softly = new SoftAssertions();
      softly.assertThat(states).as("states of the 1000 tasks").isEqualTo(Map.of("succeeded", 1000L));
      assertExactlyOnce(softly, dbUrl, run, 1000);

      Map<String, Long> claimsByNode = query(dbUrl, """
          SELECT e.data ->> 'node', count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id
          WHERE e.type = 'attempt.started' AND t.labels ->> 'run' = ? GROUP BY 1""", run);
      softly.assertThat(claimsByNode.keySet()).as("nodes that started attempts: %s", claimsByNode)
          .containsExactlyInAnyOrder(nodeA, nodeB);
      softly.assertAll();

      b.terminate();
      a.terminate();
    }
  }

  @Test
  void a_node_killed_mid_run_has_its_tasks_finished_by_the_other_node_after_its_leases_expire() throws Exception {
    String dbUrl = TestDatabases.freshDatabase();
    try (OverseerProcess a = startNode("a", dbUrl); OverseerProcess b = startNode("b", dbUrl)) {
      a.awaitReady();
      ApiClient api = new ApiClient(b.awaitReady(), ADMIN);
      String nodeA = nodeId("a");
      String nodeB = nodeId("b");
      assertThat(nodeA).as("two nodes, two ids").isNotEqualTo(nodeB);

      String run = UUID.randomUUID().toString();
      createTasks(api, run, 300, i -> new JsonObject().put("name", "sleep-" + i).put("profile", "sleep")
          .put("input", new JsonObject().put("ms", 200)));

      awaitUntil("node A to hold running tasks", Duration.ofSeconds(30),
          () -> count(dbUrl, "SELECT count(*) FROM tasks WHERE state = 'running' AND lease_owner = ?", nodeA) >= 5);
      a.crash();
      assertThat(OverseerProcess.isRunning(a.pid())).as("node A is dead").isFalse();
      // A is dead: what it held are its attempts that did not finish (or that B already reaped), with the
      // time their lease expires (null when B already reaped it)
      Map<String, Timestamp> heldByA = leases(dbUrl, "SELECT a.task_id::text, "
          + "CASE WHEN t.lease_owner = a.node_id THEN t.lease_expires_at END "
          + "FROM task_attempts a JOIN tasks t ON t.id = a.task_id "
          + "WHERE a.node_id = ? AND (a.finished_at IS NULL OR a.reason = 'lease-expired')", nodeA);
      assertThat(heldByA).as("tasks node A held when it died").isNotEmpty();

      Map<String, Long> states = awaitAllTerminal(dbUrl, run, 300, Duration.ofSeconds(60));
      SoftAssertions softly = new SoftAssertions();
      softly.assertThat(states).as("states of the 300 tasks").isEqualTo(Map.of("succeeded", 300L));
      assertExactlyOnce(softly, dbUrl, run, 300);

      try (Connection c = TestDatabases.connect(dbUrl);
           PreparedStatement s = c.prepareStatement("""
               SELECT t.id::text, t.state::text,
                 (SELECT count(*) FROM task_events e WHERE e.task_id = t.id AND e.type = 'lease-expired'
                    AND e.data ->> 'node' = ?) AS expired,
                 (SELECT min(e.id) FROM task_events e WHERE e.task_id = t.id AND e.type = 'lease-expired') AS expired_event,
                 (SELECT min(e.at) FROM task_events e WHERE e.task_id = t.id AND e.type = 'lease-expired') AS expired_at,
                 (SELECT max(e.id) FROM task_events e WHERE e.task_id = t.id AND e.type = 'succeeded') AS succeeded_event,
                 (SELECT string_agg(e.actor, ',') FROM task_events e WHERE e.task_id = t.id AND e.type = 'succeeded') AS succeeded_by,
                 (SELECT string_agg(a.node_id, ',') FROM task_attempts a WHERE a.task_id = t.id AND a.outcome = 'succeeded') AS attempt_node
               FROM tasks t WHERE t.id::text = ANY(?)""")) {
        s.setString(1, nodeA);
        s.setArray(2, c.createArrayOf("text", heldByA.keySet().toArray()));
        int rows = 0;
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            rows++;
            String id = rs.getString("id");
            softly.assertThat(rs.getLong("expired")).as("lease-expired events naming node A on task %s", id).isEqualTo(1);
            softly.assertThat(rs.getString("succeeded_by")).as("who recorded the success of task %s", id)
                .isEqualTo("node:" + nodeB);
            softly.assertThat(rs.getString("attempt_node")).as("node of the successful attempt of task %s", id)
                .isEqualTo(nodeB);
            Timestamp leaseEnd = heldByA.get(id);
            if (leaseEnd != null) {
              softly.assertThat(rs.getTimestamp("expired_at")).as("task %s was reaped once its lease had expired", id)
                  .isAfterOrEqualTo(leaseEnd);
            }
            softly.assertThat(rs.getLong("succeeded_event")).as("task %s succeeded after it was reaped", id)
                .isGreaterThan(rs.getLong("expired_event"));
          }
        }
        softly.assertThat(rows).isEqualTo(heldByA.size());
      }
      // B stayed healthy the whole time: only A's leases lapsed
      softly.assertThat(query(dbUrl, """
          SELECT e.data ->> 'node', count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id
          WHERE e.type = 'lease-expired' AND t.labels ->> 'run' = ? GROUP BY 1""", run))
          .as("lease-expired events by node").isEqualTo(Map.of(nodeA, (long) heldByA.size()));
      softly.assertAll();

      b.terminate();
    }
  }

  // ---- nodes

  private OverseerProcess startNode(String name, String dbUrl) throws Exception {
    Path dir = work.resolve(name);
    Files.createDirectories(dir);
    Path config = dir.resolve("overseer.yaml");
    Files.writeString(config, CONFIG);
    return OverseerProcess.start(dir, Map.of(
        "OVERSEER_DB_URL", dbUrl,
        "OVERSEER_DATA_DIR", dir.resolve("data").toString(),
        "OVERSEER_HTTP_PORT", "0",
        "OVERSEER_ADMIN_TOKEN", ADMIN), "--config", config.toString());
  }

  /** The id a node keeps in its data directory (written before it reports ready). */
  private String nodeId(String name) throws Exception {
    return Files.readString(work.resolve(name).resolve("data").resolve("node-id")).trim();
  }

  // ---- tasks

  private static void createTasks(ApiClient api, String run, int n, java.util.function.IntFunction<JsonObject> task) {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < n; i++) batch.add(task.apply(i).put("labels", new JsonObject().put("run", run)));
    ApiClient.Response created = api.post("/api/v1/tasks/batch", new JsonObject().put("tasks", batch));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.items()).hasSize(n);
  }

  /** Waits until all {@code n} tasks of the run are terminal; returns the count per state. */
  private static Map<String, Long> awaitAllTerminal(String dbUrl, String run, int n, Duration deadline) throws Exception {
    String sql = "SELECT state::text, count(*) FROM tasks WHERE labels ->> 'run' = ? GROUP BY 1";
    long until = System.nanoTime() + deadline.toNanos();
    Map<String, Long> states = query(dbUrl, sql, run);
    while (!allTerminal(states, n) && System.nanoTime() < until) {
      Thread.sleep(POLL.toMillis());
      states = query(dbUrl, sql, run);
    }
    return states;
  }

  private static boolean allTerminal(Map<String, Long> states, int n) {
    long terminal = 0;
    for (String state : List.of("succeeded", "failed", "killed")) terminal += states.getOrDefault(state, 0L);
    return terminal == n;
  }

  /** One 'succeeded' event and at most one succeeded attempt per task, every task of the run present. */
  private static void assertExactlyOnce(SoftAssertions softly, String dbUrl, String run, int n) throws Exception {
    try (Connection c = TestDatabases.connect(dbUrl);
         PreparedStatement s = c.prepareStatement("""
             SELECT t.id::text,
               (SELECT count(*) FROM task_events e WHERE e.task_id = t.id AND e.type = 'succeeded') AS events,
               (SELECT count(*) FROM task_attempts a WHERE a.task_id = t.id AND a.outcome = 'succeeded') AS attempts
             FROM tasks t WHERE t.labels ->> 'run' = ?""")) {
      s.setString(1, run);
      int rows = 0;
      List<String> wrong = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows++;
          if (rs.getLong("events") != 1 || rs.getLong("attempts") > 1) {
            wrong.add(rs.getString("id") + ": " + rs.getLong("events") + " succeeded events, "
                + rs.getLong("attempts") + " succeeded attempts");
          }
        }
      }
      softly.assertThat(rows).as("tasks of the run in the database").isEqualTo(n);
      softly.assertThat(wrong).as("tasks not succeeded exactly once").isEmpty();
    }
  }

  // ---- the database, behind the API's back

  private static Map<String, Long> query(String dbUrl, String sql, String param) {
    return select(dbUrl, sql, param, rs -> {
      Map<String, Long> out = new TreeMap<>();
      while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
      return out;
    });
  }

  private static long count(String dbUrl, String sql, String param) {
    return select(dbUrl, sql, param, rs -> {
      rs.next();
      return rs.getLong(1);
    });
  }

  private static Map<String, Timestamp> leases(String dbUrl, String sql, String param) {
    return select(dbUrl, sql, param, rs -> {
      Map<String, Timestamp> out = new HashMap<>();
      while (rs.next()) out.put(rs.getString(1), rs.getTimestamp(2));
      return out;
    });
  }

  private interface Reader<T> {
    T read(ResultSet rs) throws Exception;
  }

  /** Runs a query with one string parameter and reads its result. */
  private static <T> T select(String dbUrl, String sql, String param, Reader<T> reader) {
    try (Connection c = TestDatabases.connect(dbUrl); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, param);
      try (ResultSet rs = s.executeQuery()) {
        return reader.read(rs);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitUntil(String what, Duration deadline, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > until) throw new AssertionError("timed out after " + deadline + " waiting for " + what);
      Thread.sleep(POLL.toMillis());
    }
  }
}
