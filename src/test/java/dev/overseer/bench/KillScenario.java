package dev.overseer.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code kill_latency_p50_ms}, {@code kill_latency_p99_ms}: 50 running process agents (bash, printing a
 * heartbeat line every 200 ms), killed one after the other; per kill the receipt's
 * {@code signalledAt − requestedAt} (request committed → SIGTERM sent). {@code forced_kill_ms}: agents that
 * ignore SIGTERM ({@code trap '' TERM}), killed at once with grace 1s; p50 of
 * {@code stoppedAt − signalledAt − grace} (the overshoot of SIGKILL past the grace).
 */
final class KillScenario implements Scenario {
  static final int AGENTS = 50;

  @Override
  public String name() {
    return "kill";
  }

  /** Receipts of kills of running agents that came back without signalledAt (see {@link #signalled}). */
  private int unsignalled;

  @Override
  public List<String> figures() {
    return List.of("kill_latency_p50_ms", "kill_latency_p99_ms", "forced_kill_ms", "kill_receipts_without_signal");
  }

  @Override
  public void run(Bench b) throws Exception {
    unsignalled = 0;
    try {
      graceful(b);
      forced(b, b.options.quick() ? 10 : 20);
      b.figure("kill_receipts_without_signal", unsignalled);
    } finally {
      b.killAll(name());
    }
  }

  private void graceful(Bench b) throws Exception {
    List<String> ids = start(b, "proc", AGENTS);
    List<Double> latencies = new ArrayList<>();
    for (String id : ids) {
      JsonObject receipt = b.api.expect(200, HttpMethod.POST, "/api/v1/tasks/" + id + "/kill",
          new JsonObject().put("reason", "bench: kill latency").put("grace", "5s"), Duration.ofSeconds(30));
      if (!signalled(receipt, id)) continue;
      latencies.add(Bench.epochMillis(receipt.getString("signalledAt")) - Bench.epochMillis(receipt.getString("requestedAt")));
    }
    Bench.log("kill latency (requestedAt -> signalledAt), ms: %s", Stats.summary(latencies));
    if (latencies.size() < ids.size() / 2) throw new IllegalStateException("too few kill receipts with signalledAt");
    b.figure("kill_latency_p50_ms", Stats.percentile(latencies, 50));
    b.figure("kill_latency_p99_ms", Stats.percentile(latencies, 99));
  }

  private void forced(Bench b, int n) throws Exception {
    List<String> ids = start(b, "stubborn", n);
    List<Future<Api.Reply>> kills = new ArrayList<>();
    JsonObject body = new JsonObject().put("reason", "bench: forced kill").put("grace", "1s");
    for (String id : ids) {
      kills.add(b.api.send(HttpMethod.POST, "/api/v1/tasks/" + id + "/kill", body.toBuffer(), Duration.ofSeconds(60)));
    }
    List<Double> overshoot = new ArrayList<>();
    int notForced = 0;
    for (int i = 0; i < ids.size(); i++) {
      Api.Reply reply = Api.await(kills.get(i), Duration.ofSeconds(70));
      if (reply.status() != 200) throw new IllegalStateException("kill answered " + reply.status() + ": " + reply.text());
      JsonObject receipt = reply.json();
      if (!signalled(receipt, ids.get(i))) continue;
      if (!Boolean.TRUE.equals(receipt.getBoolean("forced"))) notForced++;
      overshoot.add(Bench.epochMillis(receipt.getString("stoppedAt")) - Bench.epochMillis(receipt.getString("signalledAt")) - 1000);
    }
    if (notForced > 0) Bench.log("%d of %d SIGTERM-ignoring agents were not reported forced", notForced, n);
    Bench.log("forced kill (stoppedAt - signalledAt - grace 1s), %d agents killed at once, ms: %s", n, Stats.summary(overshoot));
    if (overshoot.size() < ids.size() / 2) throw new IllegalStateException("too few kill receipts with signalledAt");
    b.figure("forced_kill_ms", Stats.percentile(overshoot, 50));
  }

  /**
   * Whether the receipt is a kill of the running agent with the time SIGTERM went out. One that says
   * {@code killed} without signalledAt (nothing was found to signal, though the agent was running with a
   * pid) is counted and left out of the latencies: it has no SIGTERM time to measure.
   */
  private boolean signalled(JsonObject receipt, String id) {
    if (!"killed".equals(receipt.getString("outcome"))) {
      throw new IllegalStateException("task " + id + " was not killed: " + receipt.encode());
    }
    if (receipt.getString("signalledAt") == null) {
      unsignalled++;
      Bench.log("the kill receipt of the running task %s has no signalledAt: %s", id, receipt.encode());
      return false;
    }
    return true;
  }

  /** Starts {@code n} process agents of the profile and waits until every one has a pid; returns the task ids. */
  private List<String> start(Bench b, String profile, int n) throws Exception {
    List<Buffer> bodies = b.batches(name(), profile, n, 1000, null);
    List<String> ids = new ArrayList<>();
    for (Buffer body : bodies) {
      Api.Reply reply = Api.await(b.api.send(HttpMethod.POST, "/api/v1/tasks/batch", body, Duration.ofSeconds(60)), Duration.ofSeconds(70));
      if (reply.status() != 201) throw new IllegalStateException("batch answered " + reply.status() + ": " + reply.text());
      JsonArray items = reply.json().getJsonArray("items");
      for (int i = 0; i < items.size(); i++) ids.add(items.getJsonObject(i).getString("id"));
    }
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Set<String> withPid = new HashSet<>();
    while (System.nanoTime() < until) {
      withPid.clear();
      JsonArray agents = b.api.get("/api/v1/agents").getJsonArray("items");
      for (int i = 0; i < agents.size(); i++) {
        JsonObject a = agents.getJsonObject(i);
        if (profile.equals(a.getString("profile")) && a.getValue("pid") != null) withPid.add(a.getString("taskId"));
      }
      if (withPid.containsAll(ids)) break;
      if (b.profile(profile).getBoolean("paused")) {
        throw new IllegalStateException("the profile " + profile + " was paused (escalated?) with " + withPid.size() + " of " + n
            + " agents running with a pid; see Overseer's log");
      }
      Bench.sleep(200);
    }
    if (!withPid.containsAll(ids)) {
      throw new IllegalStateException("only " + withPid.size() + " of " + n + " " + profile + " agents were running with a pid after 60s");
    }
    Bench.sleep(500); // let them print a few heartbeat lines
    Bench.log("%d %s process agents running", n, profile);
    return ids;
  }
}
