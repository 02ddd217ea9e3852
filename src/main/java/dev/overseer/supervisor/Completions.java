package dev.overseer.supervisor;

import dev.overseer.store.ExecutionStore;
import dev.overseer.store.QuietFailures;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * Records successful attempts the way a database group-commits: the first one is written at once; those
 * that finish while a write is in flight go together in the next statement. A lone task pays no
 * waiting, and a busy node pays one commit per batch instead of one per task. A write that fails
 * (deadlock victim, connection lost, database away) is tried again with backoff: a success that is not
 * recorded would otherwise run again once its lease expired. Fencing makes a late write harmless. Used
 * on one context.
 */
final class Completions {
  private record Pending(ExecutionStore.Success success, Promise<Boolean> applied) {}

  /** Rows per statement at most, so one write stays short however large the backlog. */
  static final int MAX_BATCH = 500;
  static final long FIRST_RETRY_MILLIS = 50;
  static final long MAX_RETRY_MILLIS = 2_000;
  private final Vertx vertx;
  private final ExecutionStore store;
  private final QuietFailures failures;
  private List<Pending> waiting = new ArrayList<>();
  private boolean writing;
  private long retryMillis = FIRST_RETRY_MILLIS;

  Completions(Vertx vertx, ExecutionStore store, Logger log) {
    this.vertx = vertx;
    this.store = store;
    this.failures = new QuietFailures(log, "record successful attempts");
  }

  /** Completes with whether the success was recorded (false: the attempt had been fenced off). */
  Future<Boolean> succeeded(ExecutionStore.Success success) {
    Promise<Boolean> applied = Promise.promise();
    waiting.add(new Pending(success, applied));
    if (!writing) writeWaiting();
    return applied.future();
  }

  private void writeWaiting() {
    List<Pending> batch;
    if (waiting.size() <= MAX_BATCH) {
      batch = waiting;
      waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(waiting.subList(0, MAX_BATCH));
      waiting = new ArrayList<>(waiting.subList(MAX_BATCH, waiting.size()));
    }
    writing = true;
    store.succeeded(batch.stream().map(Pending::success).toList()).onComplete(done -> {
      if (done.failed() && worthRetrying(done.cause())) {
        failures.failed(done.cause());
        waiting.addAll(0, batch); // first in line again, after a pause
        vertx.setTimer(retryMillis, id -> writeWaiting());
        retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
        return; // still writing, as far as new successes are concerned
      }
      failures.succeeded();
      retryMillis = FIRST_RETRY_MILLIS;
      writing = false;
      for (Pending p : batch) {
        // a batch PostgreSQL refuses for its content would be refused again: its attempts are left to
        // their leases, and the successes behind it go on
        if (done.failed()) p.applied().fail(done.cause());
        else p.applied().complete(done.result().contains(p.success().taskId()));
      }
      if (!waiting.isEmpty()) writeWaiting();
    });
  }

  /**
   * Whether trying the same write again may work: the connection or the server failed (no SQLSTATE, or
   * class 08 connection, 40 rollback such as a deadlock victim, 53 resources, 57 operator intervention).
   */
  static boolean worthRetrying(Throwable cause) {
    if (!(cause instanceof PgException pg) || pg.getSqlState() == null) return true;
    String sqlClass = pg.getSqlState().substring(0, Math.min(2, pg.getSqlState().length()));
    return List.of("08", "40", "53", "57").contains(sqlClass);
  }
}
