package dev.overseer.store;

import dev.overseer.kill.KillReceipt;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Kill intents and receipts, and the global dispatch switch. */
public final class KillStore {
  private final Pool pool;

  public KillStore(Pool pool) {
    this.pool = pool;
  }

  /** Kills a queued or retrying task at once; empty when it was not queued or retrying. */
  public Future<Optional<KillReceipt>> killNotRunning(UUID taskId, String actor, String reason, Duration grace) {
    return one("KillNotRunning", Tuple.of(taskId, actor, reason, grace.toMillis()));
  }

  /** Writes a person's intent to kill the running attempt; empty when not running or a kill is already under way. */
  public Future<Optional<KillReceipt>> requestRunning(UUID taskId, String actor, String reason, Duration grace) {
    return requestRunning(taskId, null, actor, reason, grace, KillReceipt.KILLED, null);
  }

  /**
   * Writes the intent to kill the running attempt ({@code attempt}, or whichever runs when null), after
   * which the task ends {@code endsAs} ("killed" or "failed") with {@code error} stored on it (null: a
   * person's-kill error). Empty when that attempt is not running or a kill of it is already under way.
   */
  public Future<Optional<KillReceipt>> requestRunning(UUID taskId, Integer attempt, String actor, String reason,
      Duration grace, String endsAs, JsonObject error) {
    return one("KillRequestRunning", Tuple.tuple().addUUID(taskId).addString(actor).addString(reason)
        .addLong(grace.toMillis()).addString(endsAs).addValue(error).addInteger(attempt));
  }

  public Future<Void> recordAlreadyFinished(UUID taskId, String actor, String reason, String state) {
    return pool.preparedQuery(SqlQueries.get("KillAlreadyFinished")).execute(Tuple.of(taskId, actor, reason, state)).mapEmpty();
  }

  /**
   * Ends the kill of a running attempt held by {@code nodeId}; empty when the guards refused (not its
   * lease). {@code webhook}: whether a task the kill ends failed is queued for the escalation webhook.
   */
  public Future<Optional<KillReceipt>> finish(UUID taskId, int attempt, Instant signalledAt, boolean forced,
      Instant stoppedAt, String nodeId, boolean webhook) {
    return one("KillFinish", Tuple.tuple().addUUID(taskId).addInteger(attempt).addOffsetDateTime(Rows.utc(signalledAt))
        .addBoolean(forced).addString(nodeId).addOffsetDateTime(Rows.utc(stoppedAt)).addBoolean(webhook));
  }

  /** Closes kills whose task finished by itself meanwhile; returns how many. */
  public Future<Integer> closeFinished() {
    return pool.preparedQuery(SqlQueries.get("KillsCloseFinished")).execute().map(rows -> rows.size());
  }

  public Future<List<KillReceipt>> pendingOfNode(String nodeId) {
    return pool.preparedQuery(SqlQueries.get("KillsPendingOfNode")).execute(Tuple.of(nodeId)).map(KillStore::all);
  }

  public Future<Optional<KillReceipt>> latest(UUID taskId) {
    return one("KillLatest", Tuple.of(taskId));
  }

  public Future<Optional<KillReceipt>> byId(long id) {
    return one("KillById", Tuple.of(id));
  }

  public Future<List<UUID>> killAllTargets(String profile, JsonObject labels, int limit) {
    return pool.preparedQuery(SqlQueries.get("KillAllTargets")).execute(Tuple.of(profile, labels, limit)).map(rows -> {
      List<UUID> ids = new ArrayList<>();
      for (Row row : rows) ids.add(row.getUUID("id"));
      return ids;
    });
  }

  public Future<Void> recordKillAll(String actor, JsonObject details) {
    return pool.preparedQuery(SqlQueries.get("KillAllRecord")).execute(Tuple.of(actor, details)).mapEmpty();
  }

  public Future<Boolean> dispatchPaused() {
    return pool.preparedQuery(SqlQueries.get("DispatchState")).execute()
        .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("paused"));
  }

  public Future<Void> setDispatchPaused(boolean paused, String reason, String actor) {
    return pool.preparedQuery(SqlQueries.get("DispatchSetPaused")).execute(Tuple.of(paused, reason, actor)).mapEmpty();
  }

  private Future<Optional<KillReceipt>> one(String query, Tuple params) {
    return pool.preparedQuery(SqlQueries.get(query)).execute(params).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? Optional.of(receipt(it.next())) : Optional.empty();
    });
  }

  private static List<KillReceipt> all(RowSet<Row> rows) {
    List<KillReceipt> out = new ArrayList<>();
    for (Row row : rows) out.add(receipt(row));
    return out;
  }

  private static KillReceipt receipt(Row row) {
    return new KillReceipt(
        row.getLong("id"),
        row.getUUID("task_id"),
        row.getInteger("attempt"),
        row.getString("requested_by"),
        row.getString("reason"),
        row.getLong("grace_ms"),
        row.getString("prior_state"),
        row.getOffsetDateTime("requested_at"),
        row.getOffsetDateTime("signalled_at"),
        row.getBoolean("forced"),
        row.getOffsetDateTime("stopped_at"),
        row.getString("outcome"),
        row.getString("ends_as"));
  }
}
