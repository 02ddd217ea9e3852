package dev.overseer.supervisor;

import dev.overseer.agent.AgentVerticle;
import dev.overseer.config.ProfileConfig;
import dev.overseer.task.Task;

/** The supervisor's view of one running attempt. Touched only on the supervisor's context. */
final class RunningAttempt {
  final Task task;
  final ProfileConfig profile;
  final long startedMillis = System.currentTimeMillis();
  String deploymentId;
  AgentVerticle verticle;
  /** Set once the agent is being stopped; every later stop request joins it. */
  io.vertx.core.Future<Void> stopping;
  /** A person's kill is stopping this attempt: it ends killed, never retried. */
  boolean killing;
  long lastHeartbeatMillis = startedMillis;
  long lastActivityMillis = startedMillis;
  long pid = -1;
  Integer progressPercent;
  String progressMessage;
  boolean progressDirty;
  /** Why the supervisor is terminating this attempt; null while it runs normally. */
  String terminating;
  /** The lease was taken over: whatever this attempt does now is fenced off; just stop it. */
  boolean leaseLost;
  final TelemetryWriter.AttemptLog log;
  /** Past this local time, the lease may have expired in PostgreSQL: the attempt must stop. */
  long leaseValidUntilMillis;

  RunningAttempt(Task task, ProfileConfig profile) {
    this.task = task;
    this.profile = profile;
    this.log = new TelemetryWriter.AttemptLog(task.id(), task.attempt());
  }

  java.time.Duration ran() {
    return java.time.Duration.ofMillis(System.currentTimeMillis() - startedMillis);
  }

  int attempt() {
    return task.attempt();
  }
}
