package dev.overseer.bench;

import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code first_completion_ms}: on an idle system, one noop task from the start of its POST to the moment
 * the client sees its {@code succeeded} event on the WebSocket stream; median of 20 sequential samples
 * (after 3 warm-ups). Also {@code first_completion_server_ms}: finished_at − created_at of the same tasks.
 */
final class FirstCompletionScenario implements Scenario {
  private static final int WARMUP = 3;
  private static final int SAMPLES = 20;

  @Override
  public String name() {
    return "first_completion";
  }

  @Override
  public List<String> figures() {
    return List.of("first_completion_ms", "first_completion_server_ms");
  }

  @Override
  public void run(Bench b) throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    Object signal = new Object();
    WebSocket ws = b.api.stream("profile=first&types=succeeded", event -> {
      seen.put(event.getString("taskId"), System.nanoTime());
      synchronized (signal) {
        signal.notifyAll();
      }
    });
    try {
      Bench.sleep(500); // let the stream settle on "now"
      List<Double> samples = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < WARMUP + SAMPLES; i++) {
        long t0 = System.nanoTime();
        JsonObject created = b.api.post(201, "/api/v1/tasks", b.task(name(), "first", "first-" + i, null));
        String id = created.getString("id");
        long until = t0 + TimeUnit.SECONDS.toNanos(10);
        Long at;
        synchronized (signal) {
          while ((at = seen.get(id)) == null && System.nanoTime() < until) {
            signal.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
          }
        }
        if (at == null) throw new IllegalStateException("task " + id + " was not seen succeeded on the stream within 10s");
        if (i >= WARMUP) {
          samples.add((at - t0) / 1e6);
          ids.add(id);
        }
        Bench.sleep(50); // sequential, on an idle system
      }
      Bench.log("first completion (client, POST start -> succeeded on the stream), ms: %s", Stats.summary(samples));
      b.figure("first_completion_ms", Stats.median(samples));
      List<Double> server = new ArrayList<>();
      for (String id : ids) {
        Double ms = b.db.doubleValue("SELECT extract(epoch FROM finished_at - created_at) * 1000 FROM tasks WHERE id = ?::uuid", id);
        if (ms != null) server.add(ms);
      }
      Bench.log("first completion (server, created_at -> finished_at), ms: %s", Stats.summary(server));
      b.figure("first_completion_server_ms", Stats.median(server));
    } finally {
      ws.close();
      b.killAll(name());
    }
  }
}
