package dev.overseer.store;

import dev.overseer.task.Task;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The execution plane's SQL: claims, fenced attempt results, leases, pauses and the outbox. */
public final class ExecutionStore {
  private final Pool pool;
  private final String nodeId;

  public ExecutionStore(Pool pool, String nodeId) {
    this.pool = pool;
    this.nodeId = nodeId;
  }

  /** Claims, in one statement, up to {@code wanted.get(p)} ready tasks of each profile {@code p}. */
  public Future<List<Task>> claim(Map<String, Integer> wanted, Duration leaseTtl) {
    String[] profiles = wanted.keySet().toArray(new String[0]);
    Integer[] limits = new Integer[profiles.length];
    for (int i = 0; i < profiles.length; i++) limits[i] = wanted.get(profiles[i]);
    return pool.preparedQuery(SqlQueries.get("TaskClaim"))
        .execute(Tuple.of(profiles, limits, nodeId, leaseTtl.toMillis()))
        .map(ExecutionStore::tasks);
  }

  public Future<Void> processStarted(UUID taskId, int attempt, long pid, java.time.Instant startedAt) {
    return pool.preparedQuery(SqlQueries.get("AttemptProcessStarted"))
        .execute(Tuple.of(taskId, attempt, pid, Rows.utc(startedAt)))
        .mapEmpty();
  }

  /** One running attempt's latest progress. */
  public record Progress(UUID taskId, int attempt, Integer percent, String message) {}

  /** One stored log line of an attempt. */
  public record Line(UUID taskId, int attempt, long lineNo, String stream, String level, String message) {}

  /** Writes the progress of many attempts, and a progress event each, in one statement. */
  public Future<Void> progressBatch(List<Progress> batch) {
    if (batch.isEmpty()) return Future.succeededFuture();
    int n = batch.size();
    UUID[] ids = new UUID[n];
    Integer[] attempts = new Integer[n];
    Short[] percents = new Short[n];
    String[] messages = new String[n];
    for (int i = 0; i < n; i++) {
      Progress p = batch.get(i);
      ids[i] = p.taskId();
      attempts[i] = p.attempt();
      percents[i] = p.percent() == null ? null : p.percent().shortValue();
      messages[i] = p.message();
    }
    return pool.preparedQuery(SqlQueries.get("ProgressBatch"))
        .execute(Tuple.of(ids, attempts, percents, messages, nodeId)).mapEmpty();
  }

  public Future<Void> appendLogs(List<Line> lines) {
    if (lines.isEmpty()) return Future.succeededFuture();
    int n = lines.size();
    UUID[] ids = new UUID[n];
    Integer[] attempts = new Integer[n];
    Long[] numbers = new Long[n];
    String[] streams = new String[n];
    String[] levels = new String[n];
    String[] messages = new String[n];
    for (int i = 0; i < n; i++) {
      Line l = lines.get(i);
      ids[i] = l.taskId();
      attempts[i] = l.attempt();
      numbers[i] = l.lineNo();
      streams[i] = l.stream();
      levels[i] = l.level();
      messages[i] = l.message();
    }
    return pool.preparedQuery(SqlQueries.get("LogsAppend"))
        .execute(Tuple.of(ids, attempts, numbers, streams, levels, messages)).mapEmpty();
  }

  /** Drops an attempt's log lines up to {@code upTo}, noting it in line 0. */
  public Future<Void> dropOldestLogs(UUID taskId, int attempt, long upTo, String note) {
    return pool.preparedQuery(SqlQueries.get("LogsDropOldest")).execute(Tuple.of(taskId, attempt, upTo, note)).mapEmpty();
  }

  /** Writes {@code log} events (a sample of new lines for the live stream), one per attempt. */
  public Future<Void> logEvents(List<UUID> taskIds, List<JsonObject> data) {
    if (taskIds.isEmpty()) return Future.succeededFuture();
    String[] types = new String[taskIds.size()];
    String[] actors = new String[taskIds.size()];
    java.util.Arrays.fill(types, "log");
    java.util.Arrays.fill(actors, "node:" + nodeId);
    return pool.preparedQuery(SqlQueries.get("LogsEvent"))
        .execute(Tuple.of(taskIds.toArray(new UUID[0]), types, actors, data.toArray(new JsonObject[0]))).mapEmpty();
  }

  /** One event about a task, written alone (the supervisor's verdicts about agents). */
  public Future<Void> event(UUID taskId, String type, JsonObject data) {
    return pool.preparedQuery(SqlQueries.get("EventAppend"))
        .execute(Tuple.of(taskId, type, "node:" + nodeId, data))
        .mapEmpty();
  }

  /** A successful attempt to record: its output and last progress. */
  public record Success(UUID taskId, int attempt, Object output, Integer percent, String message) {}

  /** Records many successes in one statement; returns the tasks that changed (the others were fenced off). */
  public Future<Set<UUID>> succeeded(List<Success> batch) {
    int n = batch.size();
    UUID[] ids = new UUID[n];
    Integer[] attempts = new Integer[n];
    String[] outputs = new String[n];
    Short[] percents = new Short[n];
    String[] messages = new String[n];
    for (int i = 0; i < n; i++) {
      Success s = batch.get(i);
      ids[i] = s.taskId();
      attempts[i] = s.attempt();
      outputs[i] = io.vertx.core.json.Json.encode(s.output());
      percents[i] = s.percent() == null ? null : s.percent().shortValue();
      messages[i] = s.message();
    }
    return pool.preparedQuery(SqlQueries.get("AttemptsSucceeded"))
        .execute(Tuple.of(ids, attempts, outputs, percents, messages, nodeId))
        .map(rows -> {
          Set<UUID> done = new HashSet<>();
          for (Row row : rows) done.add(row.getUUID("id"));
          return done;
        });
  }

  public Future<Optional<Task>> retrying(UUID taskId, int attempt, JsonObject error, Duration backoff) {
    return pool.preparedQuery(SqlQueries.get("AttemptRetrying"))
        .execute(Tuple.of(taskId, attempt, error, backoff.toMillis(), nodeId))
        .map(ExecutionStore::first);
  }

  public Future<Optional<Task>> failed(UUID taskId, int attempt, JsonObject error, JsonObject escalation, boolean webhook) {
    return pool.preparedQuery(SqlQueries.get("AttemptFailed"))
        .execute(Tuple.of(taskId, attempt, error, escalation, nodeId, webhook))
        .map(ExecutionStore::first);
  }

  /** Renews this node's leases on the given tasks; returns the ids it still holds. */
  public Future<Set<UUID>> renew(List<UUID> taskIds, Duration leaseTtl) {
    return pool.preparedQuery(SqlQueries.get("LeasesRenew"))
        .execute(Tuple.of(nodeId, leaseTtl.toMillis(), taskIds.toArray(new UUID[0])))
        .map(rows -> {
          Set<UUID> held = new HashSet<>();
          for (Row row : rows) held.add(row.getUUID("id"));
          return held;
        });
  }

  /**
   * Returns expired leases to retrying, one reaper across all nodes at a time. With {@code ownPreviousLife},
   * this node's own leases are recovered at once, expired or not (it just restarted).
   */
  public Future<List<Task>> reap(boolean ownPreviousLife, boolean webhook) {
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.get("ReaperLock")).execute()
        .compose(lock -> lock.iterator().next().getBoolean("locked")
            ? conn.preparedQuery(SqlQueries.get("LeasesReapExpired"))
                .execute(Tuple.of(ownPreviousLife ? nodeId : null, webhook))
                .map(ExecutionStore::tasks)
            : Future.succeededFuture(List.of())));
  }

  /** On a clean shutdown: this node's running tasks go back to the queue without using up an attempt. */
  public Future<List<Task>> releaseAll() {
    return pool.preparedQuery(SqlQueries.get("LeasesRelease")).execute(Tuple.of(nodeId)).map(ExecutionStore::tasks);
  }

  public Future<Set<String>> pausedProfiles() {
    return pool.preparedQuery(SqlQueries.get("ProfilePauses")).execute().map(rows -> {
      Set<String> paused = new HashSet<>();
      for (Row row : rows) paused.add(row.getString("profile"));
      return paused;
    });
  }

  /** Pauses or resumes a profile, writing {@code eventType} and, when {@code webhook}, an outbox entry. */
  public Future<Void> setPaused(String profile, boolean paused, String reason, String actor, String eventType,
      JsonObject details, boolean webhook) {
    return pool.preparedQuery(SqlQueries.get("ProfileSetPaused"))
        .execute(Tuple.tuple().addString(profile).addBoolean(paused).addString(reason).addString(actor)
            .addString(eventType).addValue(details).addBoolean(webhook))
        .mapEmpty();
  }

  public Future<Optional<Task>> retryByHuman(UUID taskId, boolean admin, String actor, int attempts) {
    return pool.preparedQuery(SqlQueries.get("TaskRetryByHuman"))
        .execute(Tuple.of(taskId, admin, actor, attempts))
        .map(ExecutionStore::first);
  }

  private static List<Task> tasks(RowSet<Row> rows) {
    List<Task> out = new ArrayList<>(rows.size());
    for (Row row : rows) out.add(Rows.task(row));
    return out;
  }

  private static Optional<Task> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(Rows.task(it.next())) : Optional.empty();
  }
}
