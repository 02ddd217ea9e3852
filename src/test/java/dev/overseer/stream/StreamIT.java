package dev.overseer.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.Await;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.TestDatabases;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event feed as clients see it: the WebSocket and Server-Sent Events streams (backlog, live events,
 * filters, resumption, slow clients, authentication), the event bus, the progress coalescing that keeps
 * chatty agents from flooding it, and the append-only positions underneath.
 */
class StreamIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final String FUTURE = "2099-01-01T00:00:00Z";

  @TempDir
  Path dir;

  /** The clients' own Vert.x: never the service's, so a test cannot block or borrow Overseer's event loops. */
  private Vertx client;
  private WebSocketClient webSockets;

  @BeforeEach
  void startClient() {
    client = Vertx.vertx();
    webSockets = client.createWebSocketClient();
  }

  /**
   * Closes every client connection. Tests do so before Overseer stops (a resource declared after it), since
   * a stream still open would hold its shutdown for the whole grace.
   */
  @AfterEach
  void stopClient() throws Exception {
    if (client == null) return;
    Vertx closing = client;
    client = null;
    await(closing.close());
  }

  // ---- 1. WebSocket: backlog, then live events, filtered

  @Test
  void websocket_sends_the_backlog_after_a_position_then_live_events_in_position_order_filtered_by_task_profile_and_types()
      throws Exception {
    String yaml = "profiles:\n  other:\n    kind: builtin\n    agent: noop\n";
    try (TestOverseer overseer = TestOverseer.start(yaml); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      long p0 = head(admin);
      JsonObject a = createLater(admin, "a", "noop");
      JsonObject b = createLater(admin, "b", "other");
      assertThat(kill(admin, a, "not needed").getString("outcome")).isEqualTo("killed");
      Await.until("the backlog to be positioned", DEADLINE, () -> eventsAfter(admin, p0, ""), es -> has(es, a, "killed"));
      // A fresh hub: its ring starts at the head, so this backlog is read from PostgreSQL (filtered there,
      // or in Java for a prefix), while the live events below come through the ring.
      overseer.restart();
      long backlogHead = head(admin);

      Socket byTask = open(overseer, "after=" + p0 + "&task=" + id(a));
      Socket byProfile = open(overseer, "after=" + p0 + "&profile=other");
      Socket byPrefix = open(overseer, "after=" + p0 + "&types=created,kill.*");
      Socket byTypes = open(overseer, "after=" + p0 + "&types=killed,updated");

      JsonObject c = createLater(admin, "c", "other");
      Response renamed = admin.send("PATCH", "/api/v1/tasks/" + id(b), new JsonObject().put("name", "b renamed"), Map.of());
      assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
      assertThat(kill(admin, b, "not needed either").getString("outcome")).isEqualTo("killed");
      Response deleted = admin.delete("/api/v1/tasks/" + id(a));
      assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
      List<JsonObject> all = Await.until("the live events to be positioned", DEADLINE, () -> eventsAfter(admin, p0, ""),
          es -> has(es, b, "killed") && has(es, c, "created") && has(es, a, "deleted"));

      expectExactly(byTask, all, e -> id(a).equals(e.getString("taskId")), backlogHead);
      expectExactly(byProfile, all, e -> "other".equals(e.getString("profile")), backlogHead);
      expectExactly(byPrefix, all, e -> e.getString("type").equals("created") || e.getString("type").startsWith("kill."),
          backlogHead);
      expectExactly(byTypes, all, e -> Set.of("killed", "updated").contains(e.getString("type")), backlogHead);

      assertThat(types(byTask)).containsExactly("created", "kill.requested", "killed", "deleted");
      assertThat(types(byProfile)).containsExactly("created", "created", "updated", "kill.requested", "killed");
      assertThat(types(byPrefix)).containsExactly("created", "created", "kill.requested", "created", "kill.requested");
      assertThat(types(byTypes)).containsExactly("killed", "updated", "killed");
    }
  }

  /**
   * The socket receives exactly the events of {@code all} that {@code filter} selects, in position order,
   * some from the backlog (at or before {@code backlogHead}) and some live; each message is one JSON event
   * with an integer position, equal to the event the polling API returns.
   */
  private static void expectExactly(Socket socket, List<JsonObject> all, Predicate<JsonObject> filter, long backlogHead) {
    List<JsonObject> expected = all.stream().filter(filter).toList();
    List<Long> want = expected.stream().map(StreamIT::position).toList();
    Await.until("the stream to deliver " + want, Duration.ofSeconds(30), socket::positions, want::equals);
    Await.holds("no further message on the stream", Duration.ofMillis(300), socket::positions, want::equals);
    assertThat(socket.problems).isEmpty();
    List<JsonObject> got = socket.events();
    for (JsonObject e : got) {
      assertThat(e.getValue("position")).as("position of %s", e).isInstanceOfAny(Integer.class, Long.class);
    }
    assertThat(got).isEqualTo(expected);
    assertThat(want).isSorted().doesNotHaveDuplicates();
    assertThat(want).as("from the backlog").anyMatch(p -> p <= backlogHead);
    assertThat(want).as("live").anyMatch(p -> p > backlogHead);
  }

  // ---- 2. Resumption under concurrent writers

  @Test
  void eight_concurrent_writers_produce_10000_events_while_a_client_disconnects_at_random_and_resumes_with_after_and_receives_every_event_exactly_once_in_order()
      throws Exception {
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      pauseDispatch(admin);
      long p0 = head(admin);
      String run = UUID.randomUUID().toString();
      long seed = System.nanoTime();
      ResumingReader reader = new ResumingReader(overseer, "types=created", p0, new Random(seed));
      client.runOnContext(v -> reader.connect());
      Await.until("the reader to connect", DEADLINE, () -> reader.connections + reader.problems.size(), n -> n >= 1);
      assertThat(reader.problems).isEmpty();

      int writers = 8;
      int perWriter = 1250;
      int batchSize = 25;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<java.util.concurrent.Future<List<String>>> written = new ArrayList<>();
      try {
        for (int w = 0; w < writers; w++) {
          int writer = w;
          written.add(pool.submit(() -> {
            List<String> ids = new ArrayList<>();
            for (int start = 0; start < perWriter; start += batchSize) {
              JsonArray batch = new JsonArray();
              for (int i = start; i < start + batchSize; i++) {
                batch.add(new JsonObject().put("name", "writer " + writer + " task " + i).put("profile", "noop")
                    .put("labels", new JsonObject().put("run", run)));
              }
              ids.addAll(createBatch(admin, batch));
            }
            return ids;
          }));
        }
        Set<String> ours = new HashSet<>();
        for (var f : written) ours.addAll(f.get(120, TimeUnit.SECONDS));
        assertThat(ours).hasSize(writers * perWriter);

        Await.until("the reader to receive 10,000 created events (seed " + seed + ")", DEADLINE, reader::count,
            n -> n >= writers * perWriter);
        Await.holds("no event twice (seed " + seed + ")", Duration.ofMillis(300), reader::count, n -> n == writers * perWriter);
        reader.stop();

        List<JsonObject> created = eventsAfter(admin, p0, "&types=created");
        assertThat(created.stream().map(e -> e.getString("taskId")).toList()).containsExactlyInAnyOrderElementsOf(ours);
        List<Long> expected = created.stream().map(StreamIT::position).toList();
        List<Long> received = reader.positions();
        assertThat(reader.problems).as("seed " + seed).isEmpty();
        assertThat(received).as("seed " + seed).doesNotHaveDuplicates().isSorted().isEqualTo(expected);
        assertThat(reader.taskIds()).containsExactlyInAnyOrderElementsOf(ours);
        assertThat(reader.connections).as("the reader disconnected and resumed (seed " + seed + ")").isGreaterThan(2);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * A client that closes its WebSocket after a random number of messages (1..2000) and reconnects with
   * {@code after=<last position received>}. Its state lives on one event loop of the client's Vert.x.
   */
  private final class ResumingReader {
    private final TestOverseer overseer;
    private final String query;
    private final Random random;
    private final List<Long> positions = Collections.synchronizedList(new ArrayList<>());
    private final List<String> taskIds = Collections.synchronizedList(new ArrayList<>());
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private long last;
    private volatile boolean stopped;
    private ClientWebSocket current;
    volatile int connections;

    ResumingReader(TestOverseer overseer, String query, long after, Random random) {
      this.overseer = overseer;
      this.query = query;
      this.last = after;
      this.random = random;
    }

    /** Called on the reader's event loop only. */
    void connect() {
      if (stopped) return;
      int closeAfter = 1 + random.nextInt(2000);
      int[] seen = {0};
      ClientWebSocket ws = webSockets.webSocket();
      current = ws;
      ws.textMessageHandler(text -> {
        JsonObject e = new JsonObject(text);
        long p = position(e);
        if (p <= last) problems.add("position " + p + " arrived after " + last);
        last = Math.max(last, p);
        positions.add(p);
        taskIds.add(e.getString("taskId"));
        if (++seen[0] == closeAfter && !stopped) ws.close();
      });
      ws.closeHandler(v -> client.setTimer(1 + random.nextInt(20), id -> connect()));
      ws.connect(connectOptions(overseer, "/api/v1/stream?" + query + "&after=" + last, TestOverseer.ADMIN_TOKEN))
          .onSuccess(connected -> connections++)
          .onFailure(e -> problems.add("cannot reconnect after " + last + ": " + e));
    }

    void stop() throws Exception {
      CompletableFuture<Void> done = new CompletableFuture<>();
      client.runOnContext(v -> {
        stopped = true;
        if (current != null && !current.isClosed()) current.close();
        done.complete(null);
      });
      done.get(10, TimeUnit.SECONDS);
    }

    int count() {
      return positions.size();
    }

    List<Long> positions() {
      synchronized (positions) {
        return List.copyOf(positions);
      }
    }

    List<String> taskIds() {
      synchronized (taskIds) {
        return List.copyOf(taskIds);
      }
    }
  }

  // ---- 3. Slow clients

  @Test
  void a_slow_client_is_closed_with_4008_and_the_after_to_resume_with_catches_up_without_gaps_and_the_hub_lets_go_of_it()
      throws Exception {
    // maxConnections 1 makes the hub's connection count observable from outside: a stream is accepted
    // only while the hub holds none, and refused with 503 while it holds one.
    String yaml = "stream:\n  slowClientTimeout: 1s\n  maxConnections: 1\n";
    try (TestOverseer overseer = TestOverseer.start(yaml); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      pauseDispatch(admin);
      Socket slow = open(overseer, "after=0", auth(TestOverseer.ADMIN_TOKEN), true);
      assertThat(refusal(overseer, "")).as("the hub holds the slow stream").isEqualTo(503);

      // About 10 MB of events, far more than the write queue and both TCP buffers hold. After 1 s of a full
      // socket the server closes it and the hub lets go of it: there is room for another stream again. The
      // client resumes reading as soon as that is seen (the close frame waits behind what was queued).
      boolean cutOff = false;
      String lastTask = null;
      for (int b = 0; b < 20; b++) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < 1000; i++) {
          String name = ("slow " + b + "/" + i + " ").repeat(40).substring(0, 200);
          batch.add(new JsonObject().put("name", name).put("profile", "noop"));
        }
        List<String> ids = createBatch(admin, batch);
        lastTask = ids.get(ids.size() - 1);
        if (!cutOff && tryOpenAndClose(overseer)) {
          cutOff = true;
          slow.ws.resume();
        }
      }
      String last = lastTask;
      if (!cutOff) {
        Await.until("the hub to let go of the slow stream", Duration.ofSeconds(30), () -> tryOpenAndClose(overseer), ok -> ok);
        slow.ws.resume();
      }
      slow.closed.get(60, TimeUnit.SECONDS);
      assertThat(slow.closeCode).isEqualTo((short) 4008);
      assertThat(slow.closeReason).contains("after=");
      Matcher m = Pattern.compile("after=(\\d+)").matcher(slow.closeReason);
      assertThat(m.find()).isTrue();
      long resumeAfter = Long.parseLong(m.group(1));
      assertThat(slow.problems).isEmpty();
      assertThat(slow.positions()).as("everything up to the resume position, once, in order")
          .isEqualTo(LongStream.rangeClosed(1, resumeAfter).boxed().toList());

      Await.until("the last task's event to be positioned", DEADLINE,
          () -> admin.get("/api/v1/events?types=created&task=" + last).items().size(), n -> n == 1);
      long head = head(admin);
      assertThat(resumeAfter).as("cut off before the end").isLessThan(head);

      Socket resumed = Await.until("room for the resumed stream", DEADLINE,
          () -> tryOpen(overseer, "after=" + resumeAfter), s -> s != null);
      Await.until("the resumed stream to reach the head " + head, DEADLINE,
          () -> resumed.lastPosition(), p -> p >= head);
      Await.holds("nothing beyond the head", Duration.ofMillis(300), resumed::lastPosition, p -> p == head);
      assertThat(resumed.problems).isEmpty();
      assertThat(resumed.positions()).isEqualTo(LongStream.rangeClosed(resumeAfter + 1, head).boxed().toList());
      await(resumed.ws.close());

      // No connection is left in the hub: exactly one new stream fits again, and a second does not.
      Socket probe = Await.until("the hub to hold no stream", DEADLINE, () -> tryOpen(overseer, ""), s -> s != null);
      assertThat(refusal(overseer, "")).isEqualTo(503);
      await(probe.ws.close());
    }
  }

  // ---- 4. Authentication

  @Test
  void stream_handshake_without_a_token_is_401_a_viewer_token_in_access_token_or_the_subprotocol_is_accepted_and_revoking_it_closes_the_stream_with_4001()
      throws Exception {
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      String token = createToken(admin, "watcher", "viewer");

      assertThat(refusal(overseer, "", o -> { })).isEqualTo(401);
      assertThat(refusal(overseer, "access_token=wrong-token", o -> { })).isEqualTo(401);

      Socket byQuery = open(overseer, "access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8), o -> { }, false);
      Socket byProtocol = open(overseer, "", o -> o.setSubProtocols(List.of("overseer", "overseer.bearer." + token)), false);
      assertThat(byProtocol.ws.subProtocol()).isEqualTo("overseer");
      Socket asAdmin = open(overseer, "");

      JsonObject task = createLater(admin, "watched", "noop");
      for (Socket s : List.of(byQuery, byProtocol, asAdmin)) {
        Await.until("the stream to deliver the new task's event", DEADLINE, () -> taskIdsOf(s), ids -> ids.contains(id(task)));
      }

      Response revoked = admin.delete("/api/v1/tokens/watcher");
      assertThat(revoked.status()).as(revoked.body()).isBetween(200, 204);
      for (Socket s : List.of(byQuery, byProtocol)) {
        s.closed.get(10, TimeUnit.SECONDS);
        assertThat(s.closeCode).isEqualTo((short) 4001);
        assertThat(s.closeReason).isEqualTo("token revoked");
      }
      assertThat(asAdmin.ws.isClosed()).as("another token's stream stays open").isFalse();
      assertThat(refusal(overseer, "access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8), o -> { }))
          .isEqualTo(401);
    }
  }

  // ---- 5. Server-Sent Events

  @Test
  void server_sent_events_resume_after_last_event_id_with_each_event_id_its_position() throws Exception {
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      long p0 = head(admin);
      List<JsonObject> tasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) tasks.add(createLater(admin, "sse " + i, "noop"));
      List<JsonObject> created = Await.until("five created events", DEADLINE, () -> eventsAfter(admin, p0, "&types=created"),
          es -> es.size() == 5);
      long lastEventId = position(created.get(1));

      SseReader sse = openSse(overseer, "/api/v1/events/stream?types=created", Map.of("Last-Event-ID", Long.toString(lastEventId)));
      JsonObject live = createLater(admin, "sse live", "noop");
      List<JsonObject> all = Await.until("the live event to be positioned", DEADLINE,
          () -> eventsAfter(admin, p0, "&types=created"), es -> es.size() == 6);
      List<Long> expected = all.subList(2, 6).stream().map(StreamIT::position).toList();
      Await.until("the SSE stream to deliver " + expected, Duration.ofSeconds(30), sse::ids, expected::equals);
      Await.holds("nothing else on the SSE stream", Duration.ofMillis(300), sse::ids, expected::equals);
      assertThat(sse.events()).allSatisfy(e -> {
        assertThat(e.get("event")).isEqualTo("created");
        assertThat(Long.parseLong(e.get("id"))).isEqualTo(position(new JsonObject(e.get("data"))));
      });
      assertThat(sse.events().stream().map(e -> new JsonObject(e.get("data"))).toList()).isEqualTo(all.subList(2, 6));
      assertThat(new JsonObject(sse.events().get(3).get("data")).getString("taskId")).isEqualTo(id(live));
      sse.close();
    }
  }

  @Test
  void server_sent_events_reconnecting_with_last_event_id_to_the_same_url_with_after_resumes_after_last_event_id()
      throws Exception {
    // A browser's EventSource reconnects to the URL it was opened with (here ?after=p0, as in the README's
    // example ?after=0) and adds Last-Event-ID: the position it saw last. It must resume there, not replay.
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      long p0 = head(admin);
      for (int i = 0; i < 4; i++) createLater(admin, "sse " + i, "noop");
      List<JsonObject> created = Await.until("four created events", DEADLINE, () -> eventsAfter(admin, p0, "&types=created"),
          es -> es.size() == 4);
      SseReader sse = openSse(overseer, "/api/v1/events/stream?types=created&after=" + p0,
          Map.of("Last-Event-ID", Long.toString(position(created.get(2)))));
      List<Long> expected = List.of(position(created.get(3)));
      Await.until("the SSE stream to deliver an event", Duration.ofSeconds(30), sse::ids, ids -> !ids.isEmpty());
      Await.holds("only the events after Last-Event-ID", Duration.ofMillis(500), sse::ids, expected::equals);
      sse.close();
    }
  }

  // ---- 6. Progress coalescing

  @Test
  void a_chatty_agent_writing_10000_progress_lines_a_second_does_not_grow_the_database_beyond_the_coalesced_rate()
      throws Exception {
    String agent = Scripts.write(dir, "chatty.sh", """
        # 10,000 lines a second for 3 s, 1000 lines per write, sleeping only when ahead of that pace
        start=$(date +%s%N)
        n=0
        while now=$(date +%s%N); (( now - start < 3000000000 )); do
          ahead=$(( n / 10 - (now - start) / 1000000 ))
          if (( ahead > 0 )); then sleep "0.$(printf '%03d' "$ahead")"; fi
          args=()
          for ((k = 0; k < 1000; k++)); do n=$((n + 1)); args+=($((n % 100)) "$n"); done
          printf '{"type":"progress","percent":%d,"message":"step %d"}\\n' "${args[@]}"
        done
        printf '{"type":"progress","percent":100,"message":"last of %d"}\\n' "$n"
        printf '{"type":"result","output":{"lines":%d}}\\n' "$n"
        """);
    String yaml = "profiles:\n  chatty:\n    kind: process\n    command: [\"" + agent + "\"]\n"
        + "    supervisor:\n      heartbeatInterval: 100ms\n";
    try (TestOverseer overseer = TestOverseer.start(yaml); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      Response r = admin.post("/api/v1/tasks", new JsonObject().put("name", "chatty").put("profile", "chatty"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      JsonObject task = r.json();
      JsonObject done = Await.until("the chatty agent to finish", DEADLINE,
          () -> admin.get("/api/v1/tasks/" + id(task)).json(), t -> !Set.of("queued", "running").contains(t.getString("state")));
      assertThat(done.getString("state")).as(done.encode()).isEqualTo("succeeded");
      long lines = done.getJsonObject("output").getLong("lines");
      assertThat(lines).as("the agent was chatty").isGreaterThanOrEqualTo(10_000);
      Duration runtime = Duration.between(Instant.parse(done.getString("startedAt")), Instant.parse(done.getString("finishedAt")));

      List<JsonObject> events = taskEvents(admin, id(task));
      long progress = events.stream().filter(e -> e.getString("type").equals("progress")).count();
      long millis = runtime.toMillis();
      assertThat(progress).as("progress events over %s ms for %s lines", millis, lines).isPositive()
          // "at most once per heartbeat interval" (100 ms) ...
          .isLessThanOrEqualTo(millis / 100 + 10)
          // ... and "at most one progress event per attempt per batch", batches every 250 ms
          .isLessThanOrEqualTo(millis / 250 + 5);
      assertThat(events).as("all events of the task").hasSizeLessThanOrEqualTo((int) (millis / 250 + 5) * 2 + 10);
      assertThat(done.getJsonObject("progress")).isEqualTo(new JsonObject().put("percent", 100).put("message", "last of " + lines));
    }
  }

  // ---- 7. The event bus

  @Test
  void every_event_is_published_on_the_event_bus_to_overseer_events_and_overseer_events_task_id_with_its_position()
      throws Exception {
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      ApiClient admin = overseer.admin;
      List<JsonObject> global = Collections.synchronizedList(new ArrayList<>());
      List<JsonObject> perTask = Collections.synchronizedList(new ArrayList<>());
      MessageConsumer<JsonObject> all = overseer.vertx().eventBus().consumer("overseer.events", m -> global.add(m.body()));
      await(all.completion());

      JsonObject task = createLater(admin, "on the bus", "noop");
      Await.until("the created event on overseer.events", DEADLINE, () -> snapshot(global),
          es -> es.stream().anyMatch(e -> id(task).equals(e.getString("taskId"))));
      MessageConsumer<JsonObject> one = overseer.vertx().eventBus()
          .consumer("overseer.events.task." + id(task), m -> perTask.add(m.body()));
      await(one.completion());
      Response now = admin.send("PATCH", "/api/v1/tasks/" + id(task), new JsonObject().putNull("runAt"), Map.of());
      assertThat(now.status()).as(now.body()).isEqualTo(200);

      List<JsonObject> expected = Await.until("the task to succeed and its events to be positioned", DEADLINE,
          () -> eventsAfter(admin, 0, "&task=" + id(task)), es -> es.stream().anyMatch(e -> e.getString("type").equals("succeeded")));
      assertThat(expected.stream().map(e -> e.getString("type")).toList())
          .containsSubsequence("created", "updated", "dispatched", "attempt.started", "succeeded");
      Await.until("every event of the task on overseer.events", Duration.ofSeconds(10),
          () -> snapshot(global).stream().filter(e -> id(task).equals(e.getString("taskId"))).toList(), expected::equals);
      Await.until("every later event on overseer.events.task.<id>", Duration.ofSeconds(10), () -> snapshot(perTask),
          expected.subList(1, expected.size())::equals);
      assertThat(snapshot(global).stream().map(StreamIT::position).toList()).isSorted().doesNotHaveDuplicates();
      await(all.unregister());
      await(one.unregister());
    }
  }

  // ---- 8. Positions are history

  @Test
  void update_and_delete_on_event_positions_fail() throws Exception {
    try (TestOverseer overseer = TestOverseer.start(""); AutoCloseable clients = this::stopClient) {
      long p0 = head(overseer.admin);
      JsonObject task = createLater(overseer.admin, "history", "noop");
      JsonObject created = Await.until("the created event to be positioned", DEADLINE,
          () -> eventsAfter(overseer.admin, p0, "&task=" + id(task)), es -> !es.isEmpty()).get(0);
      long position = position(created);
      try (Connection c = TestDatabases.connect(overseer.dbUrl()); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.executeUpdate("UPDATE event_positions SET position = position + 1000000 WHERE position = "
            + position)).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> s.executeUpdate("UPDATE event_positions SET event_id = event_id WHERE position = " + position))
            .isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> s.executeUpdate("DELETE FROM event_positions WHERE position = " + position))
            .isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> s.executeUpdate("DELETE FROM event_positions")).isInstanceOf(SQLException.class);
        try (ResultSet rs = s.executeQuery("SELECT event_id FROM event_positions WHERE position = " + position)) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(created.getLong("id"));
        }
      }
      assertThat(eventsAfter(overseer.admin, p0, "&task=" + id(task))).containsExactly(created);
    }
  }

  // ---- WebSocket helpers

  /** One WebSocket, as its client saw it: messages and close, recorded on the client's event loop. */
  static final class Socket {
    private final List<JsonObject> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    volatile ClientWebSocket ws;
    volatile Short closeCode;
    volatile String closeReason;
    private long last = -1;

    void receive(String text) {
      JsonObject e;
      try {
        e = new JsonObject(text);
      } catch (RuntimeException notJson) {
        problems.add("not a JSON object: " + text);
        return;
      }
      Object p = e.getValue("position");
      if (!(p instanceof Integer || p instanceof Long)) {
        problems.add("no integer position: " + text);
        return;
      }
      if (((Number) p).longValue() <= last) problems.add("position " + p + " after " + last);
      last = ((Number) p).longValue();
      events.add(e);
    }

    List<JsonObject> events() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }

    List<Long> positions() {
      return events().stream().map(StreamIT::position).toList();
    }

    long lastPosition() {
      synchronized (events) {
        return events.isEmpty() ? -1 : position(events.get(events.size() - 1));
      }
    }
  }

  private static Consumer<WebSocketConnectOptions> auth(String token) {
    return o -> o.addHeader("Authorization", "Bearer " + token);
  }

  private Socket open(TestOverseer overseer, String query) throws Exception {
    return open(overseer, query, auth(TestOverseer.ADMIN_TOKEN), false);
  }

  /** Opens {@code /api/v1/stream?query}; {@code paused}: the client reads nothing until {@code ws.resume()}. */
  private Socket open(TestOverseer overseer, String query, Consumer<WebSocketConnectOptions> credentials, boolean paused)
      throws Exception {
    Socket socket = new Socket();
    ClientWebSocket ws = webSockets.webSocket();
    ws.textMessageHandler(socket::receive);
    ws.closeHandler(v -> {
      socket.closeCode = ws.closeStatusCode();
      socket.closeReason = ws.closeReason();
      socket.closed.complete(null);
    });
    WebSocketConnectOptions options = connectOptions(overseer, "/api/v1/stream" + (query.isEmpty() ? "" : "?" + query), null);
    credentials.accept(options);
    await(ws.connect(options).onSuccess(connected -> {
      if (paused) ws.pause();
    }));
    socket.ws = ws;
    return socket;
  }

  /** A stream when there is room for one; null when the handshake is refused with 503. */
  private Socket tryOpen(TestOverseer overseer, String query) {
    try {
      return open(overseer, query);
    } catch (UpgradeRejectedException e) {
      if (e.getStatus() == 503) return null;
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private boolean tryOpenAndClose(TestOverseer overseer) {
    Socket s = tryOpen(overseer, "types=no.such.type");
    if (s == null) return false;
    try {
      await(s.ws.close());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return true;
  }

  private int refusal(TestOverseer overseer, String query) throws Exception {
    return refusal(overseer, query, auth(TestOverseer.ADMIN_TOKEN));
  }

  /** The HTTP status a refused handshake answered; fails when the handshake is accepted. */
  private int refusal(TestOverseer overseer, String query, Consumer<WebSocketConnectOptions> credentials) throws Exception {
    try {
      Socket s = open(overseer, query, credentials, false);
      await(s.ws.close());
      throw new AssertionError("the handshake of ?" + query + " was accepted");
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    }
  }

  private static WebSocketConnectOptions connectOptions(TestOverseer overseer, String uri, String token) {
    URI base = URI.create(overseer.baseUrl());
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI(uri);
    if (token != null) options.addHeader("Authorization", "Bearer " + token);
    return options;
  }

  private static List<String> types(Socket socket) {
    return socket.events().stream().map(e -> e.getString("type")).toList();
  }

  private static List<String> taskIdsOf(Socket socket) {
    return socket.events().stream().map(e -> e.getString("taskId")).toList();
  }

  // ---- SSE helpers

  /** A Server-Sent Events response, parsed into events (field → value) on the client's event loop. */
  final class SseReader {
    private final HttpClient http;
    private Buffer pending = Buffer.buffer();
    private final List<Map<String, String>> events = Collections.synchronizedList(new ArrayList<>());

    SseReader(HttpClient http) {
      this.http = http;
    }

    void feed(Buffer chunk) {
      pending.appendBuffer(chunk);
      String text = pending.toString(StandardCharsets.UTF_8);
      int end;
      int consumed = 0;
      while ((end = text.indexOf("\n\n", consumed)) >= 0) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.substring(consumed, end).split("\n")) {
          if (line.startsWith(":")) continue;
          int colon = line.indexOf(':');
          if (colon < 0) continue;
          fields.put(line.substring(0, colon), line.substring(colon + 1).stripLeading());
        }
        if (!fields.isEmpty()) events.add(fields);
        consumed = end + 2;
      }
      pending = Buffer.buffer(text.substring(consumed));
    }

    List<Map<String, String>> events() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }

    List<Long> ids() {
      return events().stream().map(e -> Long.parseLong(e.get("id"))).toList();
    }

    void close() throws Exception {
      await(http.close());
    }
  }

  private SseReader openSse(TestOverseer overseer, String uri, Map<String, String> headers) throws Exception {
    URI base = URI.create(overseer.baseUrl());
    HttpClient http = client.createHttpClient();
    SseReader reader = new SseReader(http);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(base.getHost()).setPort(base.getPort())
        .setURI(uri).putHeader("Authorization", "Bearer " + TestOverseer.ADMIN_TOKEN).putHeader("Accept", "text/event-stream");
    headers.forEach(options::putHeader);
    HttpClientResponse response = await(http.request(options)
        .compose(request -> request.send().onSuccess(r -> r.handler(reader::feed))));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/event-stream");
    return reader;
  }

  // ---- API helpers

  /** The newest position: a filter that matches nothing reads up to the head in one page. */
  private static long head(ApiClient admin) {
    Response r = admin.get("/api/v1/events?types=no.such.type&limit=1000");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getLong("reached");
  }

  /** Every positioned event after {@code after} (with extra query parameters), paging with reached. */
  private static List<JsonObject> eventsAfter(ApiClient admin, long after, String query) {
    List<JsonObject> out = new ArrayList<>();
    long cursor = after;
    while (true) {
      Response r = admin.get("/api/v1/events?after=" + cursor + "&limit=1000" + query);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      r.items().forEach(e -> out.add((JsonObject) e));
      long reached = r.json().getLong("reached");
      if (reached == cursor) return out;
      cursor = reached;
    }
  }

  private static List<JsonObject> taskEvents(ApiClient admin, String taskId) {
    List<JsonObject> out = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonArray items = admin.get("/api/v1/tasks/" + taskId + "/events?limit=1000&after=" + after).items();
      items.forEach(e -> out.add((JsonObject) e));
      if (items.size() < 1000) return out;
      after = items.getJsonObject(items.size() - 1).getLong("id");
    }
  }

  private static JsonObject createLater(ApiClient admin, String name, String profile) {
    Response r = admin.post("/api/v1/tasks", new JsonObject().put("name", name).put("profile", profile).put("runAt", FUTURE));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  private static List<String> createBatch(ApiClient admin, JsonArray tasks) {
    Response r = admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", tasks));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.items().stream().map(t -> ((JsonObject) t).getString("id")).toList();
  }

  private static JsonObject kill(ApiClient admin, JsonObject task, String reason) {
    Response r = admin.post("/api/v1/tasks/" + id(task) + "/kill", new JsonObject().put("reason", reason));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static void pauseDispatch(ApiClient admin) {
    Response r = admin.post("/api/v1/dispatch/pause", new JsonObject().put("reason", "only created events, please"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private static String createToken(ApiClient admin, String name, String role) {
    Response r = admin.post("/api/v1/tokens", new JsonObject().put("name", name).put("role", role));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("token");
  }

  private static boolean has(List<JsonObject> events, JsonObject task, String type) {
    return events.stream().anyMatch(e -> id(task).equals(e.getString("taskId")) && type.equals(e.getString("type")));
  }

  private static String id(JsonObject task) {
    return task.getString("id");
  }

  private static long position(JsonObject event) {
    return event.getLong("position");
  }

  private static <T> List<T> snapshot(List<T> synchronizedList) {
    synchronized (synchronizedList) {
      return List.copyOf(synchronizedList);
    }
  }

  /** Waits on the test thread (never an event loop) for a client-side future. */
  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    }
  }
}
