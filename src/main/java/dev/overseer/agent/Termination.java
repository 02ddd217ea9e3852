package dev.overseer.agent;

import java.time.Instant;

/**
 * How an agent was stopped: when SIGTERM went out (null if nothing was left to signal), whether SIGKILL
 * was needed, and when its last process was seen gone (null: not observed, the kill's record says when
 * it was written).
 */
public record Termination(Instant signalledAt, boolean forced, Instant stoppedAt) {
  public static final Termination NOTHING_TO_STOP = new Termination(null, false, null);
}
