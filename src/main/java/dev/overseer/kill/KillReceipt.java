package dev.overseer.kill;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * What a kill did: who asked, why, when the agent was signalled, whether SIGKILL was needed, when it was
 * gone, and the outcome ({@code killed}, {@code already-finished}, or null while under way). {@code endsAs}
 * is the state a kill that stops the attempt leaves the task in: {@code killed}, or {@code failed} for a
 * system kill (a limit Overseer enforces) whose work counts as failed.
 */
public record KillReceipt(
    long id,
    UUID taskId,
    int attempt,
    String requestedBy,
    String reason,
    long graceMillis,
    String priorState,
    OffsetDateTime requestedAt,
    OffsetDateTime signalledAt,
    Boolean forced,
    OffsetDateTime stoppedAt,
    String outcome,
    String endsAs) {

  public static final String KILLED = "killed";
  public static final String ALREADY_FINISHED = "already-finished";
  /** The actor of kills Overseer decides itself. */
  public static final String SYSTEM_ACTOR = "overseer";

  public boolean done() {
    return outcome != null;
  }
}
