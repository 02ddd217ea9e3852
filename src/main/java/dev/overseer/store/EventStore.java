package dev.overseer.store;

import dev.overseer.stream.StreamEvent;
import dev.overseer.stream.StreamFilter;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Positioned events: the sequencer that numbers them, and reads after a position. */
public final class EventStore {
  /**
   * The matching events of a page, and the position the reader has now seen everything up to: the last
   * row scanned, or the head when the page was not full (nothing more exists yet).
   */
  public record Page(List<StreamEvent> events, long reached, long newest) {
    /** Whether the reader has seen everything positioned so far. */
    public boolean atHead() {
      return reached >= newest;
    }
  }

  /** Positions a filtered read looks at per call at most. */
  static final int FILTERED_WINDOW = 10_000;
  private final Pool pool;

  public EventStore(Pool pool) {
    this.pool = pool;
  }

  /** Numbers up to {@code limit} finished events, if no other node is doing so right now; returns how many. */
  public Future<Long> advance(int limit) {
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.get("SequencerLock")).execute()
        .compose(lock -> !lock.iterator().next().getBoolean("locked")
            ? Future.succeededFuture(0L)
            : conn.preparedQuery(SqlQueries.get("SequencerAdvance")).execute(Tuple.of(limit))
                .map(rows -> rows.iterator().next().getLong("placed"))));
  }

  /**
   * Up to {@code limit} matching events after {@code position}. A filtered read looks at no more than
   * {@link #FILTERED_WINDOW} positions (or {@code limit}, if larger) per call, so that a reader far behind
   * pays per page, not per backlog; {@link Page#reached()} says where to go on from.
   */
  public Future<Page> after(long position, StreamFilter filter, int limit) {
    int window = filter.matchesAll() ? limit : Math.max(limit, FILTERED_WINDOW);
    Tuple params = Tuple.tuple().addLong(position).addUUID(filter.taskId()).addString(filter.profile())
        .addArrayOfString(filter.exactTypes()).addInteger(limit).addLong((long) window);
    return pool.preparedQuery(SqlQueries.get("EventsAfter")).execute(params)
        .map(rows -> {
          int found = 0;
          for (Row row : rows) if (row.getValue("position") != null) found++;
          return page(rows, filter, found == limit, position);
        });
  }

  /**
   * Like {@link #after}, but for a filtered read goes on through further windows until {@code limit}
   * events matched, the head was reached or {@code maxScan} positions were looked at: one answer for a
   * polling client, still at a bounded cost.
   */
  public Future<Page> collect(long position, StreamFilter filter, int limit, long maxScan) {
    return collect(position, filter, limit, position + maxScan, new ArrayList<>());
  }

  private Future<Page> collect(long position, StreamFilter filter, int limit, long scanUntil, List<StreamEvent> found) {
    return after(position, filter, limit - found.size()).compose(page -> {
      found.addAll(page.events());
      if (found.size() >= limit || page.atHead() || page.reached() >= scanUntil) {
        return Future.succeededFuture(new Page(found, page.reached(), page.newest()));
      }
      return collect(page.reached(), filter, limit, scanUntil, found);
    });
  }

  public Future<Long> head() {
    return pool.preparedQuery(SqlQueries.get("EventsHead")).execute().map(rows -> rows.iterator().next().getLong("head"));
  }

  public Future<List<StreamEvent>> audit(long after, String actor, String type, UUID taskId, int limit) {
    return pool.preparedQuery(SqlQueries.get("AuditAfter"))
        .execute(Tuple.of(after, actor, type, taskId, limit))
        .map(rows -> page(rows, StreamFilter.ALL, true, after).events());
  }

  private static Page page(RowSet<Row> rows, StreamFilter filter, boolean full, long after) {
    List<StreamEvent> events = new ArrayList<>(rows.size());
    long head = after;
    long last = after;
    long newest = after;
    for (Row row : rows) {
      head = Math.max(head, row.getLong("head"));
      newest = Math.max(newest, row.getLong("newest"));
      if (row.getValue("position") == null) continue; // nothing matched: the row only carries the head
      last = row.getLong("position");
      StreamEvent e = new StreamEvent(row.getLong("position"), row.getLong("id"), row.getUUID("task_id"),
          row.getString("type"), row.getString("actor"), row.getOffsetDateTime("at"), row.getJsonObject("data"),
          row.getString("profile"));
      if (filter.matches(e)) events.add(e);
    }
    return new Page(events, full ? last : Math.max(last, head), newest);
  }
}
