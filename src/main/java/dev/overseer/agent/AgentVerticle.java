package dev.overseer.agent;

import dev.overseer.bus.Addresses;
import dev.overseer.config.ProfileConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * One running attempt of a task, supervised like an OTP child: it starts the agent, sends a heartbeat
 * to the supervisor every {@code heartbeatInterval} (attempt, pid, last activity, progress) and reports
 * the outcome once. Undeploying it terminates the agent: SIGTERM, then SIGKILL after the grace.
 */
public final class AgentVerticle extends VerticleBase {
  private final AttemptSpec spec;
  private final WorkerExecutor processes;
  private final PidFiles pidFiles;
  private final AgentActivity activity = new AgentActivity();
  private volatile Duration stopGrace;
  private Agent agent;
  private final Runnable beat = this::heartbeat;
  private boolean finished;
  private volatile Termination termination = Termination.NOTHING_TO_STOP;

  public AgentVerticle(AttemptSpec spec, WorkerExecutor processes, PidFiles pidFiles) {
    this.spec = spec;
    this.processes = processes;
    this.pidFiles = pidFiles;
    this.stopGrace = spec.profile().settings().shutdownGrace();
  }

  /** How the last stop went; read after the undeployment completed. */
  public Termination termination() {
    return termination;
  }

  /** The grace the next stop uses (a kill may ask for its own). */
  public void stopGrace(Duration grace) {
    this.stopGrace = grace;
  }

  @Override
  public Future<?> start() {
    agent = spec.profile().kind() == ProfileConfig.Kind.PROCESS
        ? new ProcessAgent(context, processes, spec, pidFiles)
        : new BuiltinAgent(vertx, spec.profile().agent(), spec);
    HeartbeatClock.join(context, heartbeatMillis(), beat);
    agent.start(activity).onComplete(ended -> {
      finished = true;
      HeartbeatClock.leave(context, heartbeatMillis(), beat);
      AgentOutcome outcome = ended.succeeded() ? ended.result()
          : AgentOutcome.failure("agent-crashed", String.valueOf(ended.cause()), true, null);
      vertx.eventBus().send(Addresses.AGENT_FINISHED, finishedMessage(outcome), Addresses.NODE_LOCAL);
    });
    // Deployment completes at once: the agent runs on, and its start-up failure arrives as an outcome.
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    HeartbeatClock.leave(context, heartbeatMillis(), beat);
    if (agent == null) return Future.succeededFuture();
    return agent.terminate(finished ? Duration.ZERO : stopGrace).onSuccess(t -> termination = t);
  }

  private long heartbeatMillis() {
    return spec.profile().settings().supervisor().heartbeatInterval().toMillis();
  }

  private void heartbeat() {
    if (finished || activity.silent()) return;
    AgentActivity.Drained drained = activity.drain();
    vertx.eventBus().send(Addresses.AGENT_HEARTBEAT, new Heartbeat(spec.taskId(), spec.attempt(), agent.pid(),
        agent.processStartMillis(), activity.lastActivityMillis(), activity.progress(), lines(drained),
        drained.dropped()), Addresses.NODE_LOCAL);
  }

  private JsonObject finishedMessage(AgentOutcome outcome) {
    JsonObject message = new JsonObject()
        .put("taskId", spec.taskId().toString())
        .put("attempt", spec.attempt())
        .put("succeeded", outcome.succeeded());
    if (outcome.succeeded()) message.put("output", outcome.output());
    else message.put("error", outcome.errorJson());
    AgentActivity.Progress progress = activity.progress();
    if (progress != null) message.put("percent", progress.percent()).put("message", progress.message());
    putLines(message);
    return message;
  }

  /** Hands the lines logged since the last message to the supervisor, which stores them. */
  private void putLines(JsonObject message) {
    AgentActivity.Drained drained = activity.drain();
    JsonArray lines = lines(drained);
    if (lines != null) message.put("lines", lines).put("droppedLines", drained.dropped());
  }

  /** The drained lines as the supervisor stores them ([stream, level, message] each); null when none. */
  private static JsonArray lines(AgentActivity.Drained drained) {
    if (drained.lines().isEmpty() && drained.dropped() == 0) return null;
    JsonArray lines = new JsonArray();
    for (AgentActivity.LogLine line : drained.lines()) {
      lines.add(new JsonArray().add(line.stream()).add(line.level()).add(line.message()));
    }
    return lines;
  }
}
