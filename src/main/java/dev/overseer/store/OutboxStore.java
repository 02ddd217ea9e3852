package dev.overseer.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The escalation outbox: entries written with the escalation, delivered at least once. */
public final class OutboxStore {
  /** One entry to deliver; {@code attempts} counts this delivery. */
  public record Entry(long id, String kind, JsonObject payload, int attempts) {}

  private final Pool pool;

  public OutboxStore(Pool pool) {
    this.pool = pool;
  }

  public Future<List<Entry>> claimDue(int limit) {
    return pool.preparedQuery(SqlQueries.get("OutboxClaim")).execute(Tuple.of(limit)).map(rows -> {
      List<Entry> entries = new ArrayList<>();
      for (Row row : rows) {
        entries.add(new Entry(row.getLong("id"), row.getString("kind"), row.getJsonObject("payload"), row.getInteger("attempts")));
      }
      return entries;
    });
  }

  public Future<Void> delivered(long id) {
    return pool.preparedQuery(SqlQueries.get("OutboxDelivered")).execute(Tuple.of(id)).mapEmpty();
  }

  public Future<Void> failed(long id, String error, Duration retryIn) {
    return pool.preparedQuery(SqlQueries.get("OutboxFailed")).execute(Tuple.of(id, error, retryIn.toMillis())).mapEmpty();
  }
}
