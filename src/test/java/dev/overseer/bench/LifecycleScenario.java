package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;

/**
 * {@code lifecycle_tasks_per_s}: N noop tasks submitted through the batch endpoint (4 concurrent clients,
 * 1000 per request) while dispatch runs; from the first submit to the last {@code succeeded}
 * (max(finished_at)). {@code sql_txns_per_task}: PostgreSQL commits of the database
 * (pg_stat_database.xact_commit) from just before the first submit until the statistics settled after the
 * last task, less the bench's own queries, per finished task.
 */
final class LifecycleScenario implements Scenario {
  /** PostgreSQL flushes a backend's statistics at least every 10 s when idle (PGSTAT_IDLE_INTERVAL). */
  static final long STATS_SETTLE_MILLIS = 11_000;

  @Override
  public String name() {
    return "lifecycle";
  }

  @Override
  public List<String> figures() {
    return List.of("lifecycle_tasks_per_s", "sql_txns_per_task");
  }

  @Override
  public void run(Bench b) throws Exception {
    int n = b.options.tasks();
    List<Buffer> bodies = b.batches(name(), "noop", n, 1000, null);
    try {
      Bench.sleep(STATS_SETTLE_MILLIS); // so that earlier work is in the statistics before the first reading
      long own0 = b.db.statements(); // the reading itself commits, and is counted in the next reading
      long commits0 = commits(b);
      double t0 = Bench.nowMillis();
      Api.LoadResult submitted = b.submitBatches(bodies, SubmitScenario.BATCH_CLIENTS);
      Bench.log("submitted %d noop tasks in %.2fs", n, submitted.seconds());
      Bench.Counts c = b.awaitFinished(name(), n, Duration.ofSeconds(Math.max(120, n / 50)), 250);
      double end = b.lastFinishedMillis(name());
      Bench.log("finished %d/%d (%d succeeded) in %.2fs", c.finished(), n, c.succeeded(), (end - t0) / 1000);
      if (c.succeeded() < n) {
        b.unsupported("lifecycle_tasks_per_s", "only " + c.succeeded() + " of " + n + " tasks succeeded before the deadline");
      } else {
        b.figure("lifecycle_tasks_per_s", n / ((end - t0) / 1000));
      }
      Bench.sleep(STATS_SETTLE_MILLIS);
      long own = b.db.statements() - own0;
      long commits1 = commits(b);
      long delta = commits1 - commits0 - own;
      Bench.log("xact_commit grew by %d (less %d of the bench's own queries) for %d finished tasks", commits1 - commits0,
          own, c.finished());
      if (c.finished() == 0) {
        b.unsupported("sql_txns_per_task", "no task finished");
      } else {
        b.figure("sql_txns_per_task", (double) delta / c.finished());
      }
    } finally {
      b.killAll(name());
    }
  }

  static long commits(Bench b) throws Exception {
    return b.db.longValue("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
  }
}
