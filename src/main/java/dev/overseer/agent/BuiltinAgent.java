package dev.overseer.agent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * Overseer's own agents, for tests, demos and benchmarks: {@code noop} succeeds at once with its input
 * as output; {@code sleep} reports progress (in steps of 10%) for {@code input.ms} then succeeds, and with
 * {@code input.silentAfterMs} stops heartbeating after that long, as a wedged agent would; {@code fail}
 * fails ({@code input.retryable}, default true; {@code input.message}).
 */
final class BuiltinAgent implements Agent {
  private final Vertx vertx;
  private final String kind;
  private final AttemptSpec spec;
  private final Promise<AgentOutcome> outcome = Promise.promise();
  private long timer = -1;
  private long endTimer = -1;

  BuiltinAgent(Vertx vertx, String kind, AttemptSpec spec) {
    this.vertx = vertx;
    this.kind = kind;
    this.spec = spec;
  }

  @Override
  public Future<AgentOutcome> start(AgentActivity activity) {
    JsonObject input = spec.input();
    switch (kind) {
      case "noop" -> outcome.tryComplete(AgentOutcome.success(input));
      case "fail" -> outcome.tryComplete(AgentOutcome.failure("agent-error",
          input.getString("message", "the fail agent failed, as asked"), input.getBoolean("retryable", true), null));
      default -> sleep(activity, Math.max(0, input.getLong("ms", 1000L)));
    }
    return outcome.future();
  }

  private void sleep(AgentActivity activity, long ms) {
    long started = System.currentTimeMillis();
    Long silentAfter = spec.input().getLong("silentAfterMs");
    if (silentAfter != null) vertx.setTimer(Math.max(1, silentAfter), id -> activity.silence());
    activity.progress(0, "sleeping " + ms + "ms");
    if (ms == 0) {
      outcome.tryComplete(AgentOutcome.success(spec.input()));
      return;
    }
    endTimer = vertx.setTimer(ms, id -> {
      vertx.cancelTimer(timer);
      activity.progress(100, "done");
      outcome.tryComplete(AgentOutcome.success(spec.input()));
    });
    // Progress in steps of 10% (cheap to store however many agents sleep), and a sign of life often
    // enough that the supervisor never takes a long sleep for a stall. Not every heartbeat: a node
    // with 10,000 sleeping agents would spend a timer per agent per second on it.
    long stallMillis = spec.profile().settings().supervisor().stallTimeout().toMillis();
    int[] reported = {0};
    timer = vertx.setPeriodic(Math.max(10, Math.min(ms / 10, stallMillis / 4)), id -> {
      long elapsed = System.currentTimeMillis() - started;
      int percent = (int) Math.min(99, elapsed * 100 / ms);
      if (percent >= reported[0] + 10) {
        reported[0] = percent - percent % 10;
        activity.progress(reported[0], "slept " + elapsed + "ms of " + ms + "ms");
      } else {
        activity.touch();
      }
    });
  }

  @Override
  public Future<Termination> terminate(Duration grace) {
    if (timer >= 0) vertx.cancelTimer(timer);
    if (endTimer >= 0) vertx.cancelTimer(endTimer);
    java.time.Instant now = java.time.Instant.now(); // nothing to wait for: signalled and stopped at once
    return Future.succeededFuture(outcome.future().isComplete()
        ? Termination.NOTHING_TO_STOP : new Termination(now, false, now));
  }

  @Override
  public long pid() {
    return -1;
  }

  @Override
  public long processStartMillis() {
    return -1;
  }
}
