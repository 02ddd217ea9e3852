package dev.overseer.kill;

import dev.overseer.auth.Principal;
import dev.overseer.config.ProfileConfig;
import dev.overseer.error.Problem;
import dev.overseer.store.KillStore;
import dev.overseer.store.TaskStore;
import dev.overseer.task.Task;
import dev.overseer.task.TaskState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Kill authority for people: authorizes a kill, writes its intent before anything is signalled, and
 * (when asked to wait) follows it until the agent is gone. The node holding the task's lease does the
 * stopping (told by NOTIFY); a queued or retrying task is killed at once in one transaction.
 */
public final class KillService {
  /** How much longer than the grace a waiting request follows a kill before answering 202. */
  static final Duration WAIT_BEYOND_GRACE = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 25;
  private static final int CLOSE_FINISHED_EVERY_ROUNDS = 8;
  private static final int KILL_ALL_PARALLELISM = 32;
  public static final int KILL_ALL_LIMIT = 10_000;

  private final Vertx vertx;
  private final TaskStore tasks;
  private final KillStore kills;
  private final Map<String, ProfileConfig> profiles;
  private final Duration maxGrace;

  public KillService(Vertx vertx, TaskStore tasks, KillStore kills, Map<String, ProfileConfig> profiles, Duration maxGrace) {
    this.vertx = vertx;
    this.tasks = tasks;
    this.kills = kills;
    this.profiles = profiles;
    this.maxGrace = maxGrace;
  }

  /** Kills a task; with {@code wait}, completes when the agent is gone (or after grace + a bound, still under way). */
  public Future<KillReceipt> kill(UUID taskId, String reason, Duration grace, Principal actor, boolean wait) {
    return tasks.get(taskId).compose(found -> {
      Task task = found.orElseThrow(() -> Problem.notFound("no task " + taskId));
      if (!actor.mayChangeTaskOf(task.createdBy())) {
        throw Problem.forbidden("operators may kill only the tasks they created");
      }
      Duration effective = grace != null ? grace : defaultGrace(task);
      if (effective.compareTo(maxGrace) > 0) {
        throw Problem.invalidField("/grace", "at most " + dev.overseer.config.Durations.format(maxGrace) + " (kill.maxGrace)");
      }
      return killOnce(task, reason, effective, actor, 3);
    }).compose(receipt -> wait && !receipt.done() ? follow(receipt) : Future.succeededFuture(receipt));
  }

  /**
   * A kill Overseer decides itself (a budget spent, a pause too long, a disk quota): the intent of
   * stopping {@code attempt} is written with the actor {@code overseer} and {@code reason} (the cause)
   * before any signal, and the node holding the lease carries it out like any kill, with a receipt.
   * The task then ends {@code endsAs} ({@link TaskState#KILLED} or {@link TaskState#FAILED}, never
   * retried) with {@code error} stored on it ({reason, message, by} when null). Completes with the
   * receipt under way, or empty when that attempt no longer runs or a kill of it is already under way.
   */
  public Future<Optional<KillReceipt>> systemKill(UUID taskId, int attempt, String reason, String message,
      Duration grace, TaskState endsAs, JsonObject error) {
    if (endsAs != TaskState.KILLED && endsAs != TaskState.FAILED) {
      throw new IllegalArgumentException("a kill ends a task killed or failed, not " + endsAs);
    }
    JsonObject stored = error != null ? error
        : new JsonObject().put("reason", reason).put("message", message).put("by", KillReceipt.SYSTEM_ACTOR);
    return kills.requestRunning(taskId, attempt, KillReceipt.SYSTEM_ACTOR, reason,
        grace.compareTo(maxGrace) > 0 ? maxGrace : grace, endsAs.wireName(), stored);
  }

  /** The latest kill of a task (the receipt behind GET /api/v1/tasks/{id}/kill). */
  public Future<KillReceipt> latest(UUID taskId) {
    return kills.latest(taskId).map(found -> found.orElseThrow(() -> Problem.notFound("task " + taskId + " was never killed")));
  }

  /** Kills every matching queued, retrying and running task; with {@code pauseDispatch}, first stops all dispatch. */
  public Future<KillAllResult> killAll(String reason, String profile, Map<String, String> labels, boolean pauseDispatch,
      Principal actor) {
    Future<Void> paused = pauseDispatch ? kills.setDispatchPaused(true, reason, actor.name()) : Future.succeededFuture();
    JsonObject labelFilter = labels == null || labels.isEmpty() ? null : new JsonObject(new java.util.LinkedHashMap<>(labels));
    return paused.compose(v -> kills.killAllTargets(profile, labelFilter, KILL_ALL_LIMIT))
        .compose(ids -> killInWindow(ids, reason, actor))
        .compose(result -> kills.recordKillAll(actor.name(), new JsonObject()
                .put("reason", reason).put("profile", profile).put("labels", labelFilter)
                .put("pauseDispatch", pauseDispatch).put("total", result.total()).put("killed", result.killed())
                .put("alreadyFinished", result.alreadyFinished()).put("failed", result.failed()))
            .map(result));
  }

  public Future<Void> pauseDispatch(String reason, Principal actor) {
    return kills.setDispatchPaused(true, reason, actor.name());
  }

  public Future<Void> resumeDispatch(String reason, Principal actor) {
    return kills.setDispatchPaused(false, reason, actor.name());
  }

  public Future<Boolean> dispatchPaused() {
    return kills.dispatchPaused();
  }

  /** What a kill-all did. {@code failed} counts the tasks whose kill could not be carried out. */
  public record KillAllResult(int total, int killed, int alreadyFinished, int failed, List<KillReceipt> receipts) {}

  /**
   * Kills the tasks with {@link #KILL_ALL_PARALLELISM} kills under way at a time: a sliding window, so
   * one agent with a long grace holds back one slot, not a whole wave. Runs on this context only.
   */
  private Future<KillAllResult> killInWindow(List<UUID> ids, String reason, Principal actor) {
    List<KillReceipt> receipts = new ArrayList<>();
    int[] failed = {0};
    int[] started = {0};
    int[] ended = {0};
    Promise<Void> all = Promise.promise();
    Runnable[] startMore = new Runnable[1];
    startMore[0] = () -> {
      while (started[0] - ended[0] < KILL_ALL_PARALLELISM && started[0] < ids.size()) {
        kill(ids.get(started[0]++), reason, null, actor, true).onComplete(done -> {
          if (done.succeeded()) receipts.add(done.result());
          else failed[0]++;
          ended[0]++;
          if (ended[0] == ids.size()) all.tryComplete();
          else vertx.runOnContext(v -> startMore[0].run()); // not from inside the loop above
        });
      }
    };
    if (ids.isEmpty()) all.complete();
    else startMore[0].run();
    return all.future().map(v -> {
      int killed = (int) receipts.stream().filter(r -> KillReceipt.KILLED.equals(r.outcome())).count();
      int finished = (int) receipts.stream().filter(r -> KillReceipt.ALREADY_FINISHED.equals(r.outcome())).count();
      int underWay = receipts.size() - killed - finished;
      return new KillAllResult(ids.size(), killed, finished, failed[0] + underWay, receipts);
    });
  }

  /** One try per state the task may be in; a task that changed state under us is read again. */
  private Future<KillReceipt> killOnce(Task task, String reason, Duration grace, Principal actor, int triesLeft) {
    return switch (task.state()) {
      case KILLED -> kills.latest(task.id()).map(latest -> latest.orElseGet(() -> finished(task, reason, actor)));
      case SUCCEEDED, FAILED -> kills.recordAlreadyFinished(task.id(), actor.name(), reason, task.state().wireName())
          .map(v -> finished(task, reason, actor));
      case QUEUED, RETRYING -> kills.killNotRunning(task.id(), actor.name(), reason, grace)
          .compose(done -> orAgain(done, task, reason, grace, actor, triesLeft));
      case RUNNING -> kills.requestRunning(task.id(), actor.name(), reason, grace)
          .compose(requested -> requested.isPresent() ? Future.succeededFuture(requested)
              : kills.latest(task.id()).map(latest -> latest.filter(k -> !k.done() && k.attempt() == task.attempt())))
          .compose(done -> orAgain(done, task, reason, grace, actor, triesLeft));
    };
  }

  private Future<KillReceipt> orAgain(Optional<KillReceipt> done, Task task, String reason, Duration grace, Principal actor,
      int triesLeft) {
    if (done.isPresent()) return Future.succeededFuture(done.get());
    if (triesLeft <= 1) return Future.failedFuture(Problem.conflict("task " + task.id() + " kept changing state; try again"));
    return tasks.get(task.id()).compose(reread -> killOnce(
        reread.orElseThrow(() -> Problem.notFound("no task " + task.id())), reason, grace, actor, triesLeft - 1));
  }

  /** Polls the receipt until the kill is over, for at most its grace plus a bound. */
  private Future<KillReceipt> follow(KillReceipt receipt) {
    long deadline = System.nanoTime() + Duration.ofMillis(receipt.graceMillis()).plus(WAIT_BEYOND_GRACE).toNanos();
    Promise<KillReceipt> result = Promise.promise();
    poll(receipt, deadline, 1, result);
    return result.future();
  }

  private void poll(KillReceipt last, long deadline, int round, Promise<KillReceipt> result) {
    if (last.done() || System.nanoTime() > deadline) {
      result.tryComplete(last);
      return;
    }
    // A task that finished by itself in the same instant leaves the kill to be closed as already-finished.
    // That is rare and the statement touches every pending kill: now and then, not on every look (a
    // kill-all has dozens of kills waiting at once).
    boolean close = round % CLOSE_FINISHED_EVERY_ROUNDS == 0;
    vertx.setTimer(POLL_MILLIS, id -> (close ? kills.closeFinished().otherwiseEmpty() : Future.succeededFuture())
        .compose(v -> kills.byId(last.id())).onComplete(read -> {
          if (read.failed()) result.tryFail(read.cause());
          else poll(read.result().orElse(last), deadline, round + 1, result);
        }));
  }

  private Duration defaultGrace(Task task) {
    ProfileConfig profile = profiles.get(task.profile());
    return profile == null ? Duration.ofSeconds(10) : profile.settings().shutdownGrace();
  }

  /** The receipt of a kill that found the task finished: nothing was signalled, nothing changed. */
  private static KillReceipt finished(Task task, String reason, Principal actor) {
    OffsetDateTime now = OffsetDateTime.now();
    return new KillReceipt(0, task.id(), task.attempt(), actor.name(), reason, 0, task.state().wireName(), now, null,
        false, task.finishedAt(), KillReceipt.ALREADY_FINISHED, KillReceipt.KILLED);
  }
}
