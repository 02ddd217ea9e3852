package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code dispatch_latency_p50_ms}, {@code dispatch_latency_p99_ms}: a steady 100 tasks/s (open loop, one
 * POST /api/v1/tasks every 10 ms) of a builtin sleep profile with ms 10 for 20 s (quick: 5 s); per task
 * started_at − created_at from the tasks table (queued → attempt started).
 */
final class DispatchLatencyScenario implements Scenario {
  @Override
  public String name() {
    return "dispatch_latency";
  }

  @Override
  public List<String> figures() {
    return List.of("dispatch_latency_p50_ms", "dispatch_latency_p99_ms");
  }

  @Override
  public void run(Bench b) throws Exception {
    int seconds = b.options.quick() ? 5 : 20;
    int n = seconds * 100;
    List<Buffer> bodies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      bodies.add(b.task(name(), "lat", "lat-" + i, new JsonObject().put("ms", 10)).toBuffer());
    }
    try {
      Api.LoadResult r = b.api.openLoop(HttpMethod.POST, "/api/v1/tasks", bodies, Duration.ofMillis(10), 201);
      if (r.failed() > 0) throw new IllegalStateException(r.failed() + " creations failed, first: " + r.firstFailure());
      Bench.log("offered %d tasks in %.2fs (%.1f/s)", n, r.seconds(), n / r.seconds());
      Bench.Counts c = b.awaitFinished(name(), n, Duration.ofSeconds(60), 250);
      if (c.succeeded() < n) Bench.log("only %d of %d succeeded", c.succeeded(), n);
      List<Double> latencies = new ArrayList<>();
      for (Object[] row : b.db.rows("""
          SELECT extract(epoch FROM started_at - created_at) * 1000 FROM tasks
          WHERE labels @> ?::jsonb AND started_at IS NOT NULL""", b.labelFilter(name()))) {
        latencies.add(((Number) row[0]).doubleValue());
      }
      if (latencies.size() < n) throw new IllegalStateException("only " + latencies.size() + " of " + n + " tasks started");
      Bench.log("dispatch latency (created_at -> started_at), ms: %s", Stats.summary(latencies));
      b.figure("dispatch_latency_p50_ms", Stats.percentile(latencies, 50));
      b.figure("dispatch_latency_p99_ms", Stats.percentile(latencies, 99));
    } finally {
      b.killAll(name());
    }
  }
}
