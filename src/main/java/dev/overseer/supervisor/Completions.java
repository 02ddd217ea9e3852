package dev.overseer.supervisor;

import dev.overseer.store.ExecutionStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * Records successful attempts the way a database group-commits: the first one is written at once; those
 * that finish while a write is in flight go together in the next statement. A lone task pays no
 * waiting, and a busy node pays one commit per batch instead of one per task. Used on one context.
 */
final class Completions {
  private record Pending(ExecutionStore.Success success, Promise<Boolean> applied) {}

  /** Rows per statement at most, so one write stays short however large the backlog. */
  static final int MAX_BATCH = 500;
  private final ExecutionStore store;
  private List<Pending> waiting = new ArrayList<>();
  private boolean writing;

  Completions(ExecutionStore store) {
    this.store = store;
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
      writing = false;
      for (Pending p : batch) {
        if (done.failed()) p.applied().fail(done.cause());
        else p.applied().complete(done.result().contains(p.success().taskId()));
      }
      if (!waiting.isEmpty()) writeWaiting();
    });
  }
}
