package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * {@code crash_recovery_s}, {@code crash_lost}, {@code crash_duplicated}: 1,000 tasks (quick 200) of a
 * builtin sleep profile (1–3 s each, concurrency 200); once a third of them succeeded, Overseer gets
 * SIGKILL and is started again on the same data directory and database. Recovery: from the restart (the
 * new process being launched) to the last task finished ({@code crash_recovery_s}, which includes the
 * work still to do, about 7 s of sleeping at concurrency 200), and to the moment every attempt the crash
 * cut off was running again ({@code crash_resumed_s}). Lost: tasks not succeeded at the end (within a
 * generous deadline). Duplicated: tasks with more than one {@code succeeded} event.
 */
final class CrashScenario implements Scenario {
  @Override
  public String name() {
    return "crash";
  }

  @Override
  public List<String> figures() {
    return List.of("crash_recovery_s", "crash_resumed_s", "crash_lost", "crash_duplicated", "crash_restart_ready_s",
        "crash_interrupted");
  }

  @Override
  public void run(Bench b) throws Exception {
    int n = b.options.quick() ? 200 : 1_000;
    if (!b.server.alive()) throw new IllegalStateException("Overseer is not running");
    List<Buffer> bodies = b.batches(name(), "crash", n, 1000, i -> new JsonObject().put("ms", 1000 + (i * 7919L) % 2001));
    b.submitBatches(bodies, 1);
    Bench.log("submitted %d sleep tasks of 1-3s (concurrency 200)", n);
    long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    Bench.Counts c = b.counts(name());
    while (c.succeeded() < n / 3 && System.nanoTime() < until) {
      Bench.sleep(50);
      c = b.counts(name());
    }
    if (c.succeeded() < n / 3) throw new IllegalStateException("only " + c.succeeded() + " of " + n + " succeeded in 120s");
    Double lease = b.db.doubleValue("""
        SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM lease_expires_at - updated_at)) FROM tasks
        WHERE labels @> ?::jsonb AND state = 'running'""", b.labelFilter(name()));
    Bench.log("lease length on the running tasks (median of lease_expires_at - updated_at): %ss (configured %ds)",
        lease == null ? "?" : Stats.fmt(lease), Bench.LEASE_TTL_S);
    b.server.crash();
    double crashed = Bench.nowMillis();
    Bench.Counts atCrash = b.counts(name()); // PostgreSQL survives Overseer's crash
    String interrupted = String.join(",", b.db.rows("SELECT id::text FROM tasks WHERE labels @> ?::jsonb AND state = 'running'",
        b.labelFilter(name())).stream().map(r -> (String) r[0]).toList());
    Bench.log("SIGKILLed Overseer with %d succeeded, %d running, %d waiting", atCrash.succeeded(), atCrash.running(),
        atCrash.waiting());

    double restart = Bench.nowMillis();
    String base = b.server.start(Duration.ofSeconds(180));
    double ready = Bench.nowMillis();
    Bench.log("restarted: ready at %s after %.1fs", base, (ready - restart) / 1000);
    b.api.retarget(base);
    if (!b.external) b.db.reconnect(b.server.databaseUrl());

    long until2 = System.nanoTime() + Duration.ofSeconds(b.options.quick() ? 120 : 300).toNanos();
    long lastLog = System.nanoTime();
    c = b.counts(name());
    while (c.finished() < n && System.nanoTime() < until2) {
      if (!b.server.alive()) throw new IllegalStateException("the restarted Overseer died");
      Bench.sleep(250);
      c = b.counts(name());
      if (System.nanoTime() - lastLog > 3e9) {
        lastLog = System.nanoTime();
        StringBuilder states = new StringBuilder();
        for (Object[] row : b.db.rows("""
            SELECT state::text, attempt, count(*), min(extract(epoch FROM now() - updated_at))::int FROM tasks
            WHERE labels @> ?::jsonb AND state <> 'succeeded' GROUP BY 1, 2 ORDER BY 1, 2""", b.labelFilter(name()))) {
          states.append(String.format(" %s/attempt %s: %s (updated %ss ago or more);", row[0], row[1], row[2], row[3]));
        }
        Bench.log("  crash: %d/%d finished;%s", c.finished(), n, states);
      }
    }
    double end = b.lastFinishedMillis(name());
    long duplicated = b.db.longValue("""
        SELECT count(*) FROM (
          SELECT e.task_id FROM task_events e JOIN tasks t ON t.id = e.task_id
          WHERE t.labels @> ?::jsonb AND e.type = 'succeeded'
          GROUP BY e.task_id HAVING count(*) > 1) d""", b.labelFilter(name()));
    Bench.log("after the restart: %d succeeded, %d failed or killed, %d unfinished", c.succeeded(), c.failedOrKilled(),
        c.total() - c.finished());
    if (c.finished() < n) {
      b.unsupported("crash_recovery_s", (n - c.finished()) + " tasks were still unfinished at the deadline");
    } else {
      b.figure("crash_recovery_s", (end - restart) / 1000);
    }
    b.figure("crash_lost", n - c.succeeded());
    b.figure("crash_duplicated", duplicated);
    b.figure("crash_restart_ready_s", (ready - restart) / 1000);
    b.figure("crash_interrupted", atCrash.running());
    // when the last of the attempts cut off by the crash had started again (the same tasks, next attempt)
    Double resumed = b.db.doubleValue("""
        SELECT max(first_start) FROM (
          SELECT min(extract(epoch FROM e.at) * 1000) AS first_start FROM task_events e
          WHERE e.task_id = ANY(string_to_array(?, ',')::uuid[]) AND e.type = 'attempt.started'
            AND e.at > to_timestamp(? / 1000.0)
          GROUP BY e.task_id) s""", interrupted, crashed);
    if (interrupted.isEmpty() || resumed == null) b.unsupported("crash_resumed_s", "no attempt was cut off by the crash");
    else b.figure("crash_resumed_s", (resumed - restart) / 1000);
    b.killAll(name());
  }
}
