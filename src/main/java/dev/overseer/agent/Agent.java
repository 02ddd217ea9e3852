package dev.overseer.agent;

import io.vertx.core.Future;
import java.time.Duration;

/** One attempt's work: an OS process or a builtin. Used only from its verticle's context. */
public interface Agent {
  /** Starts the work; the future completes with the outcome when the agent ends by itself. */
  Future<AgentOutcome> start(AgentActivity activity);

  /**
   * Stops the work: politely (SIGTERM), then by force (SIGKILL) after {@code grace}. Completes when
   * nothing of it runs any more, saying when it was signalled and whether force was needed.
   */
  Future<Termination> terminate(Duration grace);

  /** The OS process id, or -1 for a builtin agent. */
  long pid();

  /** When the OS process started (epoch millis; tells it from a later process that reuses the pid), or -1. */
  long processStartMillis();
}
