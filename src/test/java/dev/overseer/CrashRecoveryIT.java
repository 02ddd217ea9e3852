package dev.overseer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.OverseerProcess;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the whole service while 100 tasks run (process and builtin sleep agents), then a start on the
 * same data directory (same node id) and the same database: every task reaches a terminal state, none is
 * lost, no agent process of the dead run survives, and no task succeeds twice.
 *
 * <p>The process agent is a bash script that reports progress once a second and forks a daemon-like
 * grandchild that leaves its parent ({@code ( cmd & )}) but stays in the agent's session; half of these
 * agents die of SIGPIPE once Overseer is gone (their session leader has exited by the restart, only the
 * grandchild is left), half ignore it and are still running at the restart. Every process
 * the script forks carries, in its argv[0], a marker unique to this test run and the pid of the Overseer
 * that started the attempt ({@code $PPID} of the script), so survivors of the dead run are found by
 * scanning {@code /proc/<pid>/cmdline}; the script leaders themselves (their cmdline holds the script's
 * path, which contains the marker) are identified by a /proc snapshot taken once the first run is dead.
 */
class CrashRecoveryIT {
  private static final String ADMIN = "ovs_crash_recovery_admin";
  private static final int TASKS = 100;
  private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "killed");
  private static final Duration POLL = Duration.ofMillis(150);

  @TempDir
  Path work;

  @Test
  void kill_9_while_100_tasks_run_then_restart_every_task_succeeds_once_and_no_agent_process_survives() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String marker = "ovs-crash-agent-" + run;
    Path dataDir = work.resolve("data");
    Path script = writeAgentScript(marker);
    Path config = work.resolve("overseer.yaml");
    Files.writeString(config, """
        dispatch:
          # the restarted node takes its own leases back at once, whatever their length; 10s rather than 3s
          # so that renewals running late on a loaded 2-core machine do not make the node give up healthy attempts
          leaseTtl: 10s
          pollInterval: 200ms
        defaults:
          maxAttempts: 5
          retry:
            minBackoff: 100ms
            maxBackoff: 1s
        profiles:
          sleeper:
            kind: builtin
            agent: sleep
            concurrency: 60
          script:
            kind: process
            command: ["/bin/bash", "%s", "{input.kind}"]
            concurrency: 40
        """.formatted(script));
    String dbUrl = TestDatabases.freshDatabase();
    Map<String, String> env = Map.of(
        "OVERSEER_DB_URL", dbUrl,
        "OVERSEER_DATA_DIR", dataDir.toString(),
        "OVERSEER_HTTP_PORT", "0",
        "OVERSEER_ADMIN_TOKEN", ADMIN);
    String[] args = {"--config", config.toString()};

    SoftAssertions softly = new SoftAssertions();
    long firstPid;
    Set<String> runningAtCrash;
    Map<Long, AgentProcess> firstLifeSnapshot;
    String nodeId;
    try {
      // ---- first life: 100 tasks, crash while most of them run
      try (OverseerProcess first = OverseerProcess.start(work, env, args)) {
        ApiClient api = new ApiClient(first.awaitReady(), ADMIN);
        firstPid = first.pid();
        nodeId = Files.readString(dataDir.resolve("node-id")).trim();
        JsonArray batch = new JsonArray();
        for (int i = 0; i < TASKS; i++) {
          JsonObject task = new JsonObject()
              .put("name", "crash-" + i)
              .put("labels", new JsonObject().put("run", run))
              .put("maxAttempts", 5);
          if (i % 2 == 0) {
            task.put("profile", "sleeper").put("input", new JsonObject().put("ms", 3000 + (i * 97) % 5001));
          } else {
            // half of the process agents die with their stdout, half outlive it (see writeAgentScript)
            task.put("profile", "script").put("input", new JsonObject().put("kind", i % 4 == 1 ? "plain" : "stubborn"));
          }
          batch.add(task);
        }
        ApiClient.Response created = api.post("/api/v1/tasks/batch", new JsonObject().put("tasks", batch));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.items()).hasSize(TASKS);

        String ownTag = marker + "-owner" + firstPid + "-";
        awaitUntil("many tasks running, with the process agents' grandchildren started", Duration.ofSeconds(60),
            () -> {
              List<JsonObject> running = listTasks(api, run, "running");
              long processes = running.stream().filter(t -> "script".equals(t.getString("profile"))).count();
              long daemons = agentProcesses(marker).stream().filter(p -> p.cmdline().contains(ownTag + "daemon")).count();
              return "running=" + running.size() + " script=" + processes + " daemons=" + daemons
                  + (running.size() >= 60 && processes >= 20 && daemons >= 20 ? " ok" : "");
            },
            state -> state.endsWith(" ok"));
        first.crash();
      }
      assertThat(OverseerProcess.isRunning(firstPid)).as("the first Overseer is dead").isFalse();

      // Everything carrying the marker now is a process of the dead run: the JVM that could start more is gone.
      firstLifeSnapshot = new HashMap<>();
      for (AgentProcess p : agentProcesses(marker)) firstLifeSnapshot.put(p.pid(), p);
      assertThat(firstLifeSnapshot.values().stream().filter(p -> p.cmdline().contains("-daemon")).count())
          .as("kill -9 of the JVM left the agents' grandchildren running: %s", firstLifeSnapshot.values())
          .isGreaterThanOrEqualTo(20);
      for (String kind : List.of("plain", "stubborn")) {
        assertThat(firstLifeSnapshot.values().stream().filter(p -> p.cmdline().endsWith(".sh " + kind)).count())
            .as("%s agents running when the service died", kind).isGreaterThanOrEqualTo(5);
      }
      try (Connection c = TestDatabases.connect(dbUrl);
           PreparedStatement s = c.prepareStatement(
               "SELECT id::text, lease_owner FROM tasks WHERE state = 'running' AND labels ->> 'run' = ?")) {
        s.setString(1, run);
        runningAtCrash = new HashSet<>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            runningAtCrash.add(rs.getString(1));
            assertThat(rs.getString(2)).as("lease owner of a running task").isEqualTo(nodeId);
          }
        }
      }
      assertThat(runningAtCrash).as("tasks running when the service died").hasSizeGreaterThanOrEqualTo(60);

      // ---- second life: same data directory (same node id), same database
      try (OverseerProcess second = OverseerProcess.start(work, env, args)) {
        ApiClient api = new ApiClient(second.awaitReady(), ADMIN);
        assertThat(Files.readString(dataDir.resolve("node-id")).trim()).as("same node id").isEqualTo(nodeId);
        String recoveryLog = second.stderr().lines().filter(l -> l.contains("recovered from a previous run")).collect(Collectors.joining("\n"));

        // the restarted node kills its previous life's processes before it reports ready; SIGKILL takes
        // effect asynchronously, so allow a moment for the kernel to deliver it
        List<AgentProcess> survivorsAtReady = awaitUntilOrLast(Duration.ofSeconds(3),
            () -> survivorsOfFirstLife(marker, firstPid, firstLifeSnapshot), List::isEmpty);
        softly.assertThat(survivorsAtReady)
            .as("agent processes of the dead run still running after the restarted node is ready "
                + "(%d processes of the dead run were running right after the crash; the restarted node logged: %s)",
                firstLifeSnapshot.size(), recoveryLog)
            .isEmpty();

        List<JsonObject> finished = awaitUntilOrLast(Duration.ofSeconds(120),
            () -> listTasks(api, run, null),
            tasks -> tasks.size() == TASKS && tasks.stream().allMatch(t -> TERMINAL.contains(t.getString("state"))));
        Map<String, Long> states = finished.stream()
            .collect(Collectors.groupingBy(t -> t.getString("state"), TreeMap::new, Collectors.counting()));

        softly.assertThat(finished).as("every task of the run is still listed (none lost)").hasSize(TASKS);
        softly.assertThat(states).as("states of the %d tasks", TASKS).isEqualTo(Map.of("succeeded", (long) TASKS));
        for (JsonObject task : finished) {
          if ("script".equals(task.getString("profile")) && "succeeded".equals(task.getString("state"))) {
            softly.assertThat(task.getJsonObject("output").getString("task"))
                .as("output of process task %s names the task", task.getString("id"))
                .isEqualTo(task.getString("id"));
          }
        }

        // ---- exactly once, and recovery of what ran at the crash, straight from the database
        try (Connection c = TestDatabases.connect(dbUrl);
             PreparedStatement s = c.prepareStatement("""
                 SELECT t.id::text, t.state::text, t.attempt,
                   (SELECT count(*) FROM task_events e WHERE e.task_id = t.id AND e.type = 'succeeded') AS succeeded_events,
                   (SELECT count(*) FROM task_attempts a WHERE a.task_id = t.id AND a.outcome = 'succeeded') AS succeeded_attempts,
                   (SELECT count(*) FROM task_events e WHERE e.task_id = t.id AND e.type = 'lease-expired'
                      AND e.data ->> 'node' = ?) AS recovered
                 FROM tasks t WHERE t.labels ->> 'run' = ?""")) {
          s.setString(1, nodeId);
          s.setString(2, run);
          int rows = 0;
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              rows++;
              String id = rs.getString("id");
              softly.assertThat(rs.getLong("succeeded_events")).as("'succeeded' events of task %s", id).isEqualTo(1);
              softly.assertThat(rs.getLong("succeeded_attempts")).as("succeeded attempts of task %s", id).isLessThanOrEqualTo(1);
              if (runningAtCrash.contains(id)) {
                softly.assertThat(rs.getLong("recovered"))
                    .as("lease-expired events of task %s, which was running at the crash", id).isGreaterThanOrEqualTo(1);
                softly.assertThat(rs.getInt("attempt"))
                    .as("attempt of task %s, which was running at the crash", id).isGreaterThanOrEqualTo(2);
              }
            }
          }
          softly.assertThat(rows).as("tasks in the database").isEqualTo(TASKS);
        }

        softly.assertThat(survivorsOfFirstLife(marker, firstPid, firstLifeSnapshot))
            .as("agent processes of the dead run still running at the end").isEmpty();
        second.terminate();
      }
    } finally {
      // whatever the outcome, leave no agent process of this test behind
      for (AgentProcess p : agentProcesses(marker)) ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
    softly.assertAll();
  }

  /**
   * An agent that reports progress, forks a grandchild that leaves it (as daemons and dev servers do; its
   * stdio goes elsewhere), works for about four seconds in steps of one, then reports its result.
   * {@code plain}: like most programs, it dies of SIGPIPE at its next line once Overseer (its stdout's
   * reader) is gone, so its session leader has exited when Overseer restarts and only the grandchild
   * remains. {@code stubborn}: it ignores SIGPIPE and its first attempt works for 30 seconds, so its whole
   * tree is still running when Overseer restarts. Either way, every process of the tree is the agent's.
   */
  private Path writeAgentScript(String marker) throws IOException {
    Path script = work.resolve("agent-" + marker + ".sh");
    Files.writeString(script, """
        #!/bin/bash
        # every process this agent forks carries the test's marker and the pid of the Overseer that started it
        tag="%s-owner${PPID}-"
        steps=4
        if [ "$1" = stubborn ]; then
          trap '' PIPE
          if [ "$OVERSEER_ATTEMPT" = 1 ]; then steps=30; fi
        fi
        echo '{"type":"progress","percent":0,"message":"starting"}'
        ( exec -a "${tag}daemon" sleep 300 </dev/null >/dev/null 2>&1 & )
        for step in $(seq 1 $steps); do
          (exec -a "${tag}step" sleep 1)
          echo "{\\"type\\":\\"progress\\",\\"percent\\":$((step * 100 / steps)),\\"message\\":\\"step $step of $steps\\"}"
        done
        echo "{\\"type\\":\\"result\\",\\"output\\":{\\"task\\":\\"${OVERSEER_TASK_ID}\\",\\"attempt\\":${OVERSEER_ATTEMPT},\\"kind\\":\\"$1\\"}}"
        exit 0
        """.formatted(marker));
    script.toFile().setExecutable(true);
    return script;
  }

  // ---- the API

  /** Every task of the run (optionally in one state), all pages. */
  private static List<JsonObject> listTasks(ApiClient api, String run, String state) {
    List<JsonObject> all = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/api/v1/tasks?limit=500&label=" + URLEncoder.encode("run:" + run, StandardCharsets.UTF_8)
          + (state == null ? "" : "&state=" + state)
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      ApiClient.Response page = api.get(path);
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      page.items().forEach(item -> all.add((JsonObject) item));
      cursor = page.json().getString("next");
    } while (cursor != null);
    return all;
  }

  // ---- waiting with a deadline

  private static <T> T awaitUntil(String what, Duration deadline, Supplier<T> probe, Predicate<T> done)
      throws InterruptedException {
    T last = awaitUntilOrLast(deadline, probe, done);
    if (!done.test(last)) throw new AssertionError("timed out after " + deadline + " waiting for " + what + "; last: " + last);
    return last;
  }

  /** Polls until {@code done} or the deadline; returns the last value probed (the caller asserts on it). */
  private static <T> T awaitUntilOrLast(Duration deadline, Supplier<T> probe, Predicate<T> done) throws InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    T last = probe.get();
    while (!done.test(last) && System.nanoTime() < until) {
      Thread.sleep(POLL.toMillis());
      last = probe.get();
    }
    return last;
  }

  // ---- processes, from /proc

  /** A running (not zombie) process whose command line carries the marker. */
  record AgentProcess(long pid, long startTicks, String cmdline) {}

  /** Processes of the dead run still running: tagged with its Overseer's pid, or seen right after the crash. */
  private static List<AgentProcess> survivorsOfFirstLife(String marker, long firstPid, Map<Long, AgentProcess> snapshot) {
    String ownTag = marker + "-owner" + firstPid + "-";
    return agentProcesses(marker).stream()
        .filter(p -> p.cmdline().contains(ownTag) || p.equals(snapshot.get(p.pid())))
        .toList();
  }

  private static List<AgentProcess> agentProcesses(String marker) {
    List<AgentProcess> found = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : proc) {
        try {
          String cmdline = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
          if (!cmdline.contains(marker)) continue;
          String stat = Files.readString(dir.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          char state = fields[0].charAt(0);
          if (state == 'Z' || state == 'X') continue;
          found.add(new AgentProcess(Long.parseLong(dir.getFileName().toString()), Long.parseLong(fields[19]), cmdline));
        } catch (IOException | RuntimeException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc", e);
    }
    return found;
  }
}
