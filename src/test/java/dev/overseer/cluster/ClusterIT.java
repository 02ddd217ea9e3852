package dev.overseer.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.overseer.examples.EventBusClient;
import dev.overseer.testing.ApiClient;
import dev.overseer.testing.Await;
import dev.overseer.testing.OverseerProcess;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Three Overseer processes form a Vert.x cluster over one PostgreSQL on loopback. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final String ADMIN = "ovs_cluster_admin";
  private static final Duration LEASE_TTL = Duration.ofSeconds(30);
  private static final List<OverseerProcess> nodes = new ArrayList<>();
  private static final List<ApiClient> clients = new ArrayList<>();
  private static String dbUrl;
  private static Path work;

  @BeforeAll
  static void startCluster() throws Exception {
    work = Files.createTempDirectory("overseer-cluster");
    dbUrl = TestDatabases.freshDatabase();
    Path config = work.resolve("overseer.yaml");
    Files.writeString(config, """
        cluster:
          enabled: true
          name: overseer-it
        dispatch:
          leaseTtl: 30s
        profiles:
          noop:
            kind: builtin
            agent: noop
            concurrency: 100
          sleep:
            kind: builtin
            agent: sleep
            concurrency: 30
        """);
    for (int i = 0; i < 3; i++) {
      Map<String, String> env = Map.of("OVERSEER_DB_URL", dbUrl, "OVERSEER_HTTP_PORT", "0",
          "OVERSEER_DATA_DIR", work.resolve("node" + i).toString(), "OVERSEER_ADMIN_TOKEN", ADMIN);
      OverseerProcess node = OverseerProcess.start(work, env, "--config", config.toString());
      nodes.add(node);
      clients.add(new ApiClient(node.awaitReady(), ADMIN));
    }
    Await.until("three live nodes", Duration.ofSeconds(60), () -> clients.get(0).get("/api/v1/nodes").items().size(),
        n -> n == 3);
  }

  @org.junit.jupiter.api.AfterEach
  void killLongTasks() {
    clients.get(0).post("/api/v1/kill-all", new JsonObject().put("reason", "test over")
        .put("labels", new JsonObject().put("kind", "long")));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (OverseerProcess node : nodes) node.close();
  }

  @Test
  @Order(1)
  void every_node_prints_its_id_and_the_members_it_sees() {
    String last = String.join("\n", nodes.get(2).stdout());
    assertThat(last).containsPattern("node: node-[0-9a-f-]+; cluster members: \\[[^,]+, [^,]+, [^,]+\\]");
  }

  @Test
  @Order(2)
  void two_thousand_tasks_spread_across_nodes_each_succeed_exactly_once() throws Exception {
    String label = "spread-" + System.nanoTime();
    for (int batch = 0; batch < 20; batch++) {
      JsonArray tasks = new JsonArray();
      for (int i = 0; i < 100; i++) {
        tasks.add(new JsonObject().put("name", "t" + batch + "-" + i).put("profile", "noop")
            .put("labels", new JsonObject().put("run", label)));
      }
      assertThat(clients.get(batch % 3).post("/api/v1/tasks/batch", new JsonObject().put("tasks", tasks)).status())
          .isEqualTo(201);
    }
    Await.until("2000 tasks to succeed", Duration.ofSeconds(120), () -> count(
        "SELECT count(*) FROM tasks WHERE state = 'succeeded' AND labels @> '{\"run\": \"" + label + "\"}'"), n -> n == 2000);
    assertThat(count("SELECT count(*) FROM (SELECT e.task_id FROM task_events e JOIN tasks t ON t.id = e.task_id"
        + " WHERE e.type = 'succeeded' AND t.labels @> '{\"run\": \"" + label + "\"}' GROUP BY e.task_id HAVING count(*) > 1) d"))
        .as("tasks that succeeded twice").isZero();
    assertThat(count("SELECT count(DISTINCT e.data->>'node') FROM task_events e JOIN tasks t ON t.id = e.task_id"
        + " WHERE e.type = 'attempt.started' AND t.labels @> '{\"run\": \"" + label + "\"}'"))
        .as("nodes that ran some of them").isGreaterThanOrEqualTo(2);
  }

  @Test
  @Order(3)
  void a_kill_sent_to_one_node_stops_a_task_running_on_another() throws Exception {
    String id = runningTaskNotOn(0);
    ApiClient.Response killed = clients.get(0).post("/api/v1/tasks/" + id + "/kill",
        new JsonObject().put("reason", "across nodes").put("grace", "2s"));
    assertThat(killed.status()).as(killed.body()).isEqualTo(200);
    assertThat(killed.json().getString("outcome")).isEqualTo("killed");
    assertThat(clients.get(1).get("/api/v1/tasks/" + id).json().getString("state")).isEqualTo("killed");
  }

  @Test
  @Order(4)
  void a_stream_client_on_one_node_sees_events_of_tasks_running_on_another() throws Exception {
    String id = runningTaskNotOn(0);
    long before = clients.get(0).get("/api/v1/events?limit=1").json().getLong("reached");
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest stream = HttpRequest.newBuilder(URI.create(baseUrl(0) + "/api/v1/events/stream?after=" + before
        + "&task=" + id + "&access_token=" + ADMIN)).build();
    var lines = http.sendAsync(stream, HttpResponse.BodyHandlers.ofLines());
    clients.get(1).post("/api/v1/tasks/" + id + "/kill", new JsonObject().put("reason", "to see it"));
    Set<String> seen = new HashSet<>();
    var body = lines.get(30, TimeUnit.SECONDS).body().iterator();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen.contains("killed") && System.nanoTime() < deadline && body.hasNext()) {
      String line = body.next();
      if (line.startsWith("event: ")) seen.add(line.substring(7));
    }
    assertThat(seen).contains("kill.requested", "killed");
  }

  @Test
  @Order(5)
  void an_event_bus_client_creates_follows_and_kills_a_task() throws Exception {
    Vertx client = EventBusClient.join("overseer-it", "127.0.0.1");
    try {
      JsonObject receipt = EventBusClient.run(client, ADMIN, "sleep");
      assertThat(receipt.getString("outcome")).isEqualTo("killed");
      DeliveryOptions noToken = new DeliveryOptions().setSendTimeout(30_000);
      assertThatThrownBy(() -> client.eventBus().request("overseer.tasks.list", new JsonObject(), noToken)
          .await(30, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(ReplyException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(401);
            assertThat(new JsonObject(e.getMessage()).getInteger("status")).isEqualTo(401);
          });
      DeliveryOptions auth = new DeliveryOptions().addHeader("authorization", "Bearer " + ADMIN).setSendTimeout(30_000);
      assertThatThrownBy(() -> client.eventBus().request("overseer.tasks.create",
              new JsonObject().put("name", "").put("profile", "noop"), auth).await(30, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
      JsonObject page = client.eventBus().<JsonObject>request("overseer.tasks.list", new JsonObject().put("limit", 3), auth)
          .await(30, TimeUnit.SECONDS).body();
      assertThat(page.getJsonArray("items")).hasSize(3);
    } finally {
      client.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(6)
  void a_node_killed_mid_run_has_its_leases_reaped_before_the_ttl_and_its_tasks_finish_elsewhere() throws Exception {
    String label = "victim-" + System.nanoTime();
    JsonArray tasks = new JsonArray();
    // more than two nodes can run at once (2 x 30), so the third must take some
    for (int i = 0; i < 120; i++) {
      tasks.add(new JsonObject().put("name", "s" + i).put("profile", "sleep").put("input", new JsonObject().put("ms", 4000))
          .put("labels", new JsonObject().put("run", label)));
    }
    assertThat(clients.get(0).post("/api/v1/tasks/batch", new JsonObject().put("tasks", tasks)).status()).isEqualTo(201);
    String victimId = nodeId(2);
    Await.until("the third node to hold running tasks", Duration.ofSeconds(60),
        () -> count("SELECT count(*) FROM tasks WHERE state = 'running' AND lease_owner = '" + victimId + "'"), n -> n > 0);
    long killedAt = System.currentTimeMillis();
    nodes.get(2).crash();
    Await.until("its leases to be reaped", LEASE_TTL, () -> count("SELECT count(*) FROM task_events WHERE type = 'lease-expired'"
        + " AND data->>'node' = '" + victimId + "'"), n -> n > 0);
    assertThat(System.currentTimeMillis() - killedAt).as("reaped before the lease TTL").isLessThan(LEASE_TTL.toMillis());
    Await.until("all 120 to succeed", Duration.ofSeconds(180), () -> count(
        "SELECT count(*) FROM tasks WHERE state = 'succeeded' AND labels @> '{\"run\": \"" + label + "\"}'"), n -> n == 120);
  }

  /** More long tasks than one node's concurrency, so some must run elsewhere; the rest are killed after the test. */
  private static String runningTaskNotOn(int node) throws Exception {
    String self = nodeId(node);
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < 40; i++) {
      tasks.add(new JsonObject().put("name", "long " + i).put("profile", "sleep").put("input", new JsonObject().put("ms", 600_000))
          .put("labels", new JsonObject().put("kind", "long")));
    }
    clients.get(node).post("/api/v1/tasks/batch", new JsonObject().put("tasks", tasks));
    return Await.until("a task running on another node", Duration.ofSeconds(60), () -> {
      try (Connection c = TestDatabases.connect(dbUrl); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id FROM tasks WHERE state = 'running' AND lease_owner <> '" + self
               + "' AND profile = 'sleep' LIMIT 1")) {
        return rs.next() ? rs.getString(1) : null;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, id -> id != null);
  }

  private static String nodeId(int node) throws Exception {
    String url = baseUrl(node);
    return Stream.of(clients.get(0).get("/api/v1/nodes").items().stream().toArray())
        .map(o -> (JsonObject) o).filter(n -> url.equals(n.getString("url"))).findFirst().orElseThrow().getString("id");
  }

  private static String baseUrl(int node) throws Exception {
    return nodes.get(node).awaitReady();
  }

  private static long count(String sql) {
    try (Connection c = TestDatabases.connect(dbUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
