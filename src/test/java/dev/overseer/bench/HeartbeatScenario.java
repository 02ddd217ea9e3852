package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code agents_heartbeating}: live agent verticles of the builtin sleep profile {@code hb} (concurrency
 * 10,000; quick 1,000) heartbeating at 1 Hz, counted by GET /api/v1/profiles ({@code running}) at the end
 * of a 30 s window (quick 10 s). {@code supervisor_cpu_pct}: the Overseer JVM's CPU over that window
 * (utime + stime from /proc/PID/stat, % of one core) less an idle baseline measured the same way before
 * the agents started and again after they stopped (the lower of the two). {@code heartbeat_detection_ms_p99}: 100 agents of the profile {@code silent} stop
 * heartbeating after {@code input.silentAfterMs} while the others run; per agent, the
 * {@code agent.heartbeat-lost} event's {@code at} − ({@code attempt.started}'s {@code at} + silentAfterMs).
 * The window starts 10 s (quick 2 s) after the last agent started, once the JIT has compiled the paths.
 */
final class HeartbeatScenario implements Scenario {
  static final int SILENT = 100;
  static final long SILENT_AFTER_MS = 1_000;

  @Override
  public String name() {
    return "heartbeat";
  }

  @Override
  public List<String> figures() {
    return List.of("agents_heartbeating", "supervisor_cpu_pct", "heartbeat_detection_ms_p99", "heartbeat_detection_ms_p50");
  }

  @Override
  public void run(Bench b) throws Exception {
    boolean quick = b.options.quick();
    int agents = b.hbAgents;
    int windowSeconds = quick ? 10 : 30;
    int baselineSeconds = quick ? 5 : 10;
    long ticksPerSecond = clockTicks();
    try {
      Bench.sleep(1000); // let the previous scenario's work end
      double idle = cpuPercent(b, baselineSeconds, ticksPerSecond);
      Bench.log("idle baseline: the Overseer JVM used %.1f%% of one core over %ds", idle, baselineSeconds);

      // sleep far longer than the window: they are killed at the end
      JsonObject input = new JsonObject().put("ms", 3_600_000);
      List<Buffer> bodies = b.batches(name(), "hb", agents, 1000, i -> input);
      long t0 = System.nanoTime();
      b.submitBatches(bodies, SubmitScenario.BATCH_CLIENTS);
      int running = b.awaitRunning("hb", agents, Duration.ofSeconds(quick ? 60 : 240));
      Bench.log("%d of %d hb agents running after %.1fs", running, agents, (System.nanoTime() - t0) / 1e9);
      // every agent heartbeats a few times, and the JIT compiles the heartbeat paths, before the window:
      // the figure is the steady state of 10,000 agents, not the JVM's warm-up
      Bench.sleep(Math.max(quick ? 2 : 10, 2 * b.heartbeatIntervalMs / 1000) * 1000);

      int runningAtStart = b.running("hb");
      double loaded = cpuPercent(b, windowSeconds, ticksPerSecond);
      int runningAtEnd = b.running("hb");
      int fresh = freshHeartbeats(b, "hb");
      Bench.log("window of %ds: hb running %d at the start, %d at the end, %d with a heartbeat within %dms of the newest;"
          + " Overseer JVM %.1f%% of one core (idle %.1f%%)", windowSeconds, runningAtStart, runningAtEnd, fresh,
          2 * b.heartbeatIntervalMs, loaded, idle);
      b.figure("agents_heartbeating", Math.min(runningAtStart, runningAtEnd));

      detection(b);
      stopAgents(b);
      // The first baseline may include the JIT still compiling after start-up; the second is warm. The
      // lower one is subtracted, so the figure errs on the high side.
      double idleAfter = cpuPercent(b, baselineSeconds, ticksPerSecond);
      Bench.log("idle again after the agents stopped: %.1f%% of one core", idleAfter);
      b.figure("supervisor_cpu_pct", loaded - Math.min(idle, idleAfter));
    } finally {
      stopAgents(b);
    }
  }

  private static void stopAgents(Bench b) throws Exception {
    b.killAll("heartbeat");
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (b.server.alive() && b.running("hb") + b.running("silent") > 0 && System.nanoTime() < until) Bench.sleep(200);
    Bench.sleep(2000); // the kills' own work ends
  }

  private void detection(Bench b) throws Exception {
    JsonObject input = new JsonObject().put("ms", 600_000).put("silentAfterMs", SILENT_AFTER_MS);
    List<Buffer> bodies = b.batches(name(), "silent", SILENT, 1000, i -> input);
    b.submitBatches(bodies, 1);
    long limitMs = b.heartbeatIntervalMs * b.missedHeartbeatsLimit;
    Duration deadline = Duration.ofMillis(SILENT_AFTER_MS + 2 * limitMs + 30_000);
    long until = System.nanoTime() + deadline.toNanos();
    String filter = new JsonObject().put("bench", b.runId).put("scenario", name()).encode();
    String sql = """
        SELECT t.id,
          (SELECT extract(epoch FROM e.at) * 1000 FROM task_events e
            WHERE e.task_id = t.id AND e.type = 'attempt.started' ORDER BY e.id LIMIT 1),
          (SELECT extract(epoch FROM e.at) * 1000 FROM task_events e
            WHERE e.task_id = t.id AND e.type = 'agent.heartbeat-lost' ORDER BY e.id LIMIT 1),
          t.state
        FROM tasks t WHERE t.labels @> ?::jsonb AND t.profile = 'silent'""";
    List<Object[]> rows = b.db.rows(sql, filter);
    while (System.nanoTime() < until && rows.stream().filter(r -> r[2] != null).count() < SILENT) {
      Bench.sleep(500);
      rows = b.db.rows(sql, filter);
    }
    List<Double> detection = new ArrayList<>();
    long succeeded = 0;
    for (Object[] r : rows) {
      if (r[1] != null && r[2] != null) detection.add(((Number) r[2]).doubleValue() - ((Number) r[1]).doubleValue() - SILENT_AFTER_MS);
      if ("succeeded".equals(String.valueOf(r[3]))) succeeded++;
    }
    Bench.log("heartbeat loss detected for %d of %d silent agents (limit %d x %dms): %s", detection.size(), SILENT,
        b.missedHeartbeatsLimit, b.heartbeatIntervalMs, Stats.summary(detection));
    if (detection.size() < SILENT) {
      String reason = "only " + detection.size() + " of " + SILENT + " silent agents got agent.heartbeat-lost within "
          + deadline.toSeconds() + "s" + (detection.isEmpty() ? " (does the builtin sleep agent support input.silentAfterMs?)" : "");
      b.unsupported("heartbeat_detection_ms_p99", reason);
      b.unsupported("heartbeat_detection_ms_p50", reason);
    } else {
      b.figure("heartbeat_detection_ms_p99", Stats.percentile(detection, 99));
      b.figure("heartbeat_detection_ms_p50", Stats.percentile(detection, 50));
    }
    if (succeeded > 0) Bench.log("%d silent agents succeeded", succeeded);
  }

  /**
   * Agents of the profile whose last heartbeat is at most two intervals older than the newest heartbeat in
   * the same answer of GET /api/v1/agents (the newest stands for the moment the answer was made, so the
   * time a large answer takes to arrive does not count).
   */
  private static int freshHeartbeats(Bench b, String profile) {
    JsonArray items = b.api.get("/api/v1/agents").getJsonArray("items");
    List<Double> last = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject a = items.getJsonObject(i);
      if (profile.equals(a.getString("profile")) && a.getString("lastHeartbeatAt") != null) {
        last.add(Bench.epochMillis(a.getString("lastHeartbeatAt")));
      }
    }
    double newest = last.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return (int) last.stream().filter(t -> newest - t <= 2 * b.heartbeatIntervalMs).count();
  }

  /** The Overseer JVM's CPU use over {@code seconds}, as a percentage of one core. */
  private static double cpuPercent(Bench b, int seconds, long ticksPerSecond) throws InterruptedException {
    long pid = b.server.pid();
    long ticks0 = OverseerServer.cpuTicks(pid);
    long t0 = System.nanoTime();
    Bench.sleep(seconds * 1000L);
    long ticks1 = OverseerServer.cpuTicks(pid);
    double wall = (System.nanoTime() - t0) / 1e9;
    if (ticks0 < 0 || ticks1 < 0) throw new IllegalStateException("cannot read /proc/" + pid + "/stat");
    return (ticks1 - ticks0) / (double) ticksPerSecond / wall * 100;
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (Exception e) {
      Bench.log("getconf CLK_TCK failed (%s); assuming 100", e);
      return 100;
    }
  }
}
