package dev.overseer.task;

import dev.overseer.auth.Principal;
import dev.overseer.error.Problem;
import dev.overseer.store.ExecutionStore;
import dev.overseer.store.TaskStore;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;

/** The rules of the control plane for tasks: who may do what, and what a refused change means. */
public final class TaskService {
  private final TaskStore store;
  private final ExecutionStore execution;

  public TaskService(TaskStore store, ExecutionStore execution) {
    this.store = store;
    this.execution = execution;
  }

  /** The result of a create: the task, and whether it was this request that created it. */
  public record Created(Task task, boolean fresh) {}

  /**
   * Creates a task. With an idempotency key, a replay of the same body returns the original task
   * ({@code fresh=false}); the same key with another body is a 409. Concurrent replays create one task:
   * the unique index makes the second insert wait for the first and then do nothing.
   */
  public Future<Created> create(NewTask task) {
    return store.insert(task).compose(inserted -> {
      if (inserted.isPresent()) return Future.succeededFuture(new Created(inserted.get(), true));
      return store.byIdempotencyKey(task.createdBy(), task.idempotencyKey()).map(existing -> {
        Task original = existing.orElseThrow(() -> new IllegalStateException("idempotency key vanished"));
        if (!original.requestHash().equals(task.requestHash())) {
          throw Problem.conflict("Idempotency-Key '" + task.idempotencyKey() + "' was used with another body");
        }
        return new Created(original, false);
      });
    });
  }

  public Future<List<Task>> createAll(List<NewTask> tasks) {
    return store.insertAll(tasks);
  }

  public Future<Task> get(UUID id) {
    return store.get(id).map(found -> found.orElseThrow(() -> notFound(id)));
  }

  public Future<Page<Task>> list(TaskFilter filter) {
    return store.list(filter);
  }

  public Future<Task> patch(UUID id, TaskPatch patch, Principal actor) {
    requireOperator(actor);
    return store.patch(id, patch, actor.name(), actor.isAdmin()).compose(patched -> patched.isPresent()
        ? Future.succeededFuture(patched.get())
        : whyRefused(id, actor, task -> {
          if (task.state() != TaskState.QUEUED) {
            return Problem.conflict("task is " + task.state().wireName() + "; only a queued task can be changed");
          }
          return Problem.preconditionFailed("task is at version " + task.version() + ", not "
              + patch.expectedVersion() + " as If-Match says");
        }));
  }

  public Future<Task> delete(UUID id, Principal actor) {
    requireOperator(actor);
    return store.delete(id, actor.name(), actor.isAdmin()).compose(deleted -> deleted.isPresent()
        ? Future.succeededFuture(deleted.get())
        : whyRefused(id, actor, task -> Problem.conflict(
            "task is " + task.state().wireName() + "; only a finished task can be deleted")));
  }

  /** A failed or killed task back to the queue with a fresh budget of {@code attempts} attempts. */
  public Future<Task> retry(UUID id, int attempts, Principal actor) {
    requireOperator(actor);
    return execution.retryByHuman(id, actor.isAdmin(), actor.name(), attempts).compose(retried -> retried.isPresent()
        ? Future.succeededFuture(retried.get())
        : whyRefused(id, actor, task -> Problem.conflict(
            "task is " + task.state().wireName() + "; only a failed or killed task can be retried")));
  }

  /** Log lines of an attempt (default: the latest) of a task. */
  public Future<List<TaskStore.LogLine>> logs(UUID id, Integer attempt, long afterLine, int limit) {
    return store.getIncludingDeleted(id).compose(found -> {
      Task task = found.orElseThrow(() -> notFound(id));
      return store.logs(id, attempt != null ? attempt : Math.max(1, task.attempt()), afterLine, limit);
    });
  }

  public Future<List<TaskEvent>> events(UUID id, long afterId, int limit) {
    return store.getIncludingDeleted(id).compose(found -> {
      if (found.isEmpty()) throw notFound(id);
      return store.events(id, afterId, limit);
    });
  }

  /** Reads the task after a guarded change found no row and names the guard that refused. */
  private Future<Task> whyRefused(UUID id, Principal actor, java.util.function.Function<Task, Problem> otherwise) {
    return store.get(id).map(found -> {
      Task task = found.orElseThrow(() -> notFound(id));
      if (!actor.mayChangeTaskOf(task.createdBy())) {
        throw Problem.forbidden("operators may change only the tasks they created");
      }
      throw otherwise.apply(task);
    });
  }

  private static void requireOperator(Principal actor) {
    if (!actor.mayChangeTaskOf(actor.name())) throw Problem.forbidden("this needs the operator or admin role");
  }

  private static Problem notFound(UUID id) {
    return Problem.notFound("no task " + id);
  }
}
