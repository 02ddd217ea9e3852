package dev.overseer.agent;

import java.time.Instant;

/** How an agent was stopped: when SIGTERM went out (null if nothing was left to signal) and whether SIGKILL was needed. */
public record Termination(Instant signalledAt, boolean forced) {
  public static final Termination NOTHING_TO_STOP = new Termination(null, false);
}
