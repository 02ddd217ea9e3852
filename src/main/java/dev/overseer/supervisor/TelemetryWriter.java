package dev.overseer.supervisor;

import dev.overseer.config.OverseerConfig;
import dev.overseer.store.ExecutionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what agents report, in batches: every {@link #FLUSH_MILLIS} one statement stores the latest
 * progress of all attempts that changed (with one {@code progress} event each), one stores their new log
 * lines, and one writes a {@code log} event per attempt with a sample for the live stream. However
 * chatty an agent, it costs at most one progress and one log event per flush. Each attempt's stored log
 * is kept within {@code logs.maxLinesPerAttempt} and {@code logs.maxBytesPerAttempt}: the oldest lines go,
 * and line 0 says how many. Used on the supervisor's context.
 */
final class TelemetryWriter {
  private static final Logger log = LoggerFactory.getLogger(TelemetryWriter.class);
  static final long FLUSH_MILLIS = 250;
  private static final int EVENT_SAMPLE_LINES = 20;
  private static final int EVENT_LINE_CHARS = 1000;

  /** Log bookkeeping of one attempt. */
  static final class AttemptLog {
    final UUID taskId;
    final int attempt;
    long nextLine = 1;
    long storedBytes;
    long droppedSoFar;
    final ArrayDeque<long[]> stored = new ArrayDeque<>(); // {lineNo, bytes}

    AttemptLog(UUID taskId, int attempt) {
      this.taskId = taskId;
      this.attempt = attempt;
    }
  }

  private final Vertx vertx;
  private final ExecutionStore store;
  private final OverseerConfig.Logs limits;
  private final Map<UUID, ExecutionStore.Progress> progress = new LinkedHashMap<>();
  private final List<ExecutionStore.Line> lines = new ArrayList<>();
  private final Map<AttemptLog, List<ExecutionStore.Line>> newLines = new LinkedHashMap<>();
  private long timer = -1;
  private boolean flushing;

  TelemetryWriter(Vertx vertx, ExecutionStore store, OverseerConfig.Logs limits) {
    this.vertx = vertx;
    this.store = store;
    this.limits = limits;
  }

  void start() {
    timer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return flush();
  }

  void progress(UUID taskId, int attempt, Integer percent, String message) {
    progress.put(taskId, new ExecutionStore.Progress(taskId, attempt, percent, message));
  }

  /** Lines as the agent verticle sends them: [[stream, level, message], ...]. */
  void lines(AttemptLog attemptLog, JsonArray incoming, long dropped) {
    List<ExecutionStore.Line> batch = newLines.computeIfAbsent(attemptLog, a -> new ArrayList<>());
    if (dropped > 0) {
      batch.add(line(attemptLog, "overseer", "warn",
          "[" + dropped + " lines dropped: the agent wrote faster than they could be stored]"));
    }
    for (int i = 0; i < incoming.size(); i++) {
      JsonArray l = incoming.getJsonArray(i);
      batch.add(line(attemptLog, l.getString(0), l.getString(1), l.getString(2)));
    }
  }

  private ExecutionStore.Line line(AttemptLog attemptLog, String stream, String level, String message) {
    long number = attemptLog.nextLine++;
    ExecutionStore.Line line = new ExecutionStore.Line(attemptLog.taskId, attemptLog.attempt, number, stream, level, message);
    lines.add(line);
    return line;
  }

  Future<Void> flush() {
    if (flushing || (progress.isEmpty() && lines.isEmpty())) return Future.succeededFuture();
    flushing = true;
    List<ExecutionStore.Progress> progressBatch = new ArrayList<>(progress.values());
    List<ExecutionStore.Line> lineBatch = new ArrayList<>(lines);
    Map<AttemptLog, List<ExecutionStore.Line>> byAttempt = new LinkedHashMap<>(newLines);
    progress.clear();
    lines.clear();
    newLines.clear();
    return store.progressBatch(progressBatch)
        .compose(v -> store.appendLogs(lineBatch))
        .compose(v -> logEvents(byAttempt))
        .compose(v -> enforceBounds(byAttempt))
        .onFailure(e -> log.warn("cannot store agent progress and logs ({} lines lost): {}", lineBatch.size(), e.toString()))
        .onComplete(done -> flushing = false)
        .recover(e -> Future.succeededFuture());
  }

  private Future<Void> logEvents(Map<AttemptLog, List<ExecutionStore.Line>> byAttempt) {
    List<UUID> ids = new ArrayList<>();
    List<JsonObject> data = new ArrayList<>();
    byAttempt.forEach((attemptLog, batch) -> {
      JsonArray sample = new JsonArray();
      for (ExecutionStore.Line l : batch.subList(0, Math.min(EVENT_SAMPLE_LINES, batch.size()))) {
        String text = l.message().length() <= EVENT_LINE_CHARS ? l.message() : l.message().substring(0, EVENT_LINE_CHARS) + " [truncated]";
        sample.add(new JsonObject().put("line", l.lineNo()).put("stream", l.stream()).put("level", l.level()).put("message", text));
      }
      ids.add(attemptLog.taskId);
      data.add(new JsonObject().put("attempt", attemptLog.attempt).put("lines", sample)
          .put("more", Math.max(0, batch.size() - EVENT_SAMPLE_LINES)));
    });
    return store.logEvents(ids, data);
  }

  private Future<Void> enforceBounds(Map<AttemptLog, List<ExecutionStore.Line>> byAttempt) {
    Future<Void> chain = Future.succeededFuture();
    for (var entry : byAttempt.entrySet()) {
      AttemptLog attemptLog = entry.getKey();
      for (ExecutionStore.Line l : entry.getValue()) {
        long bytes = l.message().length();
        attemptLog.stored.addLast(new long[] {l.lineNo(), bytes});
        attemptLog.storedBytes += bytes;
      }
      long dropUpTo = 0;
      while (attemptLog.stored.size() > limits.maxLinesPerAttempt() || attemptLog.storedBytes > limits.maxBytesPerAttempt()) {
        long[] oldest = attemptLog.stored.removeFirst();
        attemptLog.storedBytes -= oldest[1];
        attemptLog.droppedSoFar++;
        dropUpTo = oldest[0];
      }
      if (dropUpTo > 0) {
        String note = "[" + attemptLog.droppedSoFar + " earlier lines dropped: an attempt keeps its last "
            + limits.maxLinesPerAttempt() + " lines within " + limits.maxBytesPerAttempt() + " bytes]";
        long upTo = dropUpTo;
        chain = chain.compose(v -> store.dropOldestLogs(attemptLog.taskId, attemptLog.attempt, upTo, note));
      }
    }
    return chain;
  }
}
