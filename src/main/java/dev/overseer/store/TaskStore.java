package dev.overseer.store;

import dev.overseer.task.NewTask;
import dev.overseer.task.Page;
import dev.overseer.task.Task;
import dev.overseer.task.TaskEvent;
import dev.overseer.task.TaskFilter;
import dev.overseer.task.TaskPatch;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Tasks in PostgreSQL. Every change writes its event in the same statement. */
public final class TaskStore {
  private final Pool pool;

  public TaskStore(Pool pool) {
    this.pool = pool;
  }

  /** Inserts the task; empty when its idempotency key was already used by the same creator. */
  public Future<Optional<Task>> insert(NewTask task) {
    Tuple params = Tuple.tuple()
        .addUUID(task.id())
        .addString(task.name())
        .addString(task.profile())
        .addShort((short) task.priority())
        .addValue(task.input())
        .addInteger(task.maxAttempts())
        .addLong(task.timeout().toMillis())
        .addOffsetDateTime(task.runAt())
        .addValue(Rows.labelsJson(task.labels()))
        .addString(task.createdBy())
        .addString(task.idempotencyKey())
        .addString(task.requestHash());
    return pool.preparedQuery(SqlQueries.get("TaskInsert")).execute(params).map(TaskStore::first);
  }

  /**
   * Inserts all tasks (none with an idempotency key) in one statement, so every one or none; returns
   * them in the order given.
   */
  public Future<List<Task>> insertAll(List<NewTask> tasks) {
    int n = tasks.size();
    UUID[] ids = new UUID[n];
    String[] names = new String[n];
    String[] profiles = new String[n];
    Short[] priorities = new Short[n];
    String[] inputs = new String[n];
    Integer[] maxAttempts = new Integer[n];
    Long[] timeouts = new Long[n];
    java.time.OffsetDateTime[] runAts = new java.time.OffsetDateTime[n];
    String[] labels = new String[n];
    String[] creators = new String[n];
    Integer[] places = new Integer[n];
    for (int i = 0; i < n; i++) {
      NewTask task = tasks.get(i);
      if (task.idempotencyKey() != null) throw new IllegalArgumentException("a batch has no idempotency keys");
      ids[i] = task.id();
      names[i] = task.name();
      profiles[i] = task.profile();
      priorities[i] = (short) task.priority();
      inputs[i] = task.input() == null ? null : task.input().encode();
      maxAttempts[i] = task.maxAttempts();
      timeouts[i] = task.timeout().toMillis();
      runAts[i] = task.runAt();
      var json = Rows.labelsJson(task.labels());
      labels[i] = json == null ? null : json.encode();
      creators[i] = task.createdBy();
      places[i] = i;
    }
    Tuple params = Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(names).addArrayOfString(profiles)
        .addArrayOfShort(priorities).addArrayOfString(inputs).addArrayOfInteger(maxAttempts)
        .addArrayOfLong(timeouts).addArrayOfOffsetDateTime(runAts).addArrayOfString(labels)
        .addArrayOfString(creators).addArrayOfInteger(places);
    return pool.preparedQuery(SqlQueries.get("TaskInsertMany")).execute(params).map(rows -> {
      List<Task> created = new ArrayList<>(n);
      for (Row row : rows) created.add(Rows.task(row));
      return created;
    });
  }

  public Future<Optional<Task>> byIdempotencyKey(String createdBy, String key) {
    return pool.preparedQuery(SqlQueries.get("TaskByIdempotencyKey"))
        .execute(Tuple.of(createdBy, key))
        .map(TaskStore::first);
  }

  public Future<Optional<Task>> get(UUID id) {
    return pool.preparedQuery(SqlQueries.get("TaskGet")).execute(Tuple.of(id)).map(TaskStore::first);
  }

  /** The task even when deleted: explains why a guarded change found no row. */
  public Future<Optional<Task>> getIncludingDeleted(UUID id) {
    return pool.preparedQuery(SqlQueries.get("TaskAnyById")).execute(Tuple.of(id)).map(TaskStore::first);
  }

  public Future<Page<Task>> list(TaskFilter filter) {
    Tuple params = Tuple.of(
        filter.state() == null ? null : filter.state().wireName(),
        filter.profile(),
        filter.labels() == null || filter.labels().isEmpty() ? null : Rows.labelsJson(filter.labels()),
        filter.beforeSeq(),
        filter.limit() + 1);
    return pool.preparedQuery(SqlQueries.get("TaskList")).execute(params).map(rows -> {
      List<Task> items = new ArrayList<>(filter.limit());
      for (Row row : rows) {
        items.add(Rows.task(row));
      }
      if (items.size() <= filter.limit()) return new Page<>(items, null);
      List<Task> page = items.subList(0, filter.limit());
      return new Page<>(List.copyOf(page), page.get(page.size() - 1).seq());
    });
  }

  /** Applies the patch if every guard holds; empty otherwise (the caller reads the task to say why). */
  public Future<Optional<Task>> patch(UUID id, TaskPatch patch, String actor, boolean actorIsAdmin) {
    Tuple params = Tuple.tuple()
        .addUUID(id)
        .addInteger(patch.expectedVersion())
        .addString(patch.name())
        .addInteger(patch.priority())
        .addValue(Rows.labelsJson(patch.labels()))
        .addOffsetDateTime(patch.runAt())
        .addBoolean(actorIsAdmin)
        .addString(actor)
        .addBoolean(patch.runAtSet())
        .addValue(patch.asSent());
    return pool.preparedQuery(SqlQueries.get("TaskPatch")).execute(params).map(TaskStore::first);
  }

  /** Hides a finished task from listings; empty when a guard refused. */
  public Future<Optional<Task>> delete(UUID id, String actor, boolean actorIsAdmin) {
    return pool.preparedQuery(SqlQueries.get("TaskDelete"))
        .execute(Tuple.of(id, actorIsAdmin, actor))
        .map(TaskStore::first);
  }

  public Future<List<TaskEvent>> events(UUID taskId, long afterId, int limit) {
    return pool.preparedQuery(SqlQueries.get("EventsOfTask"))
        .execute(Tuple.of(taskId, afterId, limit))
        .map(rows -> {
          List<TaskEvent> events = new ArrayList<>();
          for (Row row : rows) events.add(Rows.event(row));
          return events;
        });
  }

  /** Tasks per state (not counting deleted ones). */
  public Future<java.util.Map<String, Long>> countByState() {
    return pool.preparedQuery(SqlQueries.get("TaskCountByState")).execute().map(rows -> {
      java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
      for (Row row : rows) counts.put(row.getString("state"), row.getLong("n"));
      return counts;
    });
  }

  /** Log lines of one attempt after line {@code afterLine}, oldest first. */
  public Future<List<LogLine>> logs(UUID taskId, int attempt, long afterLine, int limit) {
    return pool.preparedQuery(SqlQueries.get("LogsOfAttempt"))
        .execute(Tuple.of(taskId, attempt, afterLine, limit))
        .map(rows -> {
          List<LogLine> lines = new ArrayList<>();
          for (Row row : rows) {
            lines.add(new LogLine(row.getLong("line_no"), row.getOffsetDateTime("at"), row.getString("stream"),
                row.getString("level"), row.getString("message")));
          }
          return lines;
        });
  }

  /** A stored log line; line 0 notes lines dropped to keep the attempt's log within its bounds. */
  public record LogLine(long line, java.time.OffsetDateTime at, String stream, String level, String message) {}


  private static Optional<Task> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(Rows.task(it.next())) : Optional.empty();
  }
}
