package dev.overseer.task;

import java.util.Locale;

/**
 * The closed set of task states, mirrored by the database enum {@code task_state}
 * (see V1__tasks_events_tokens.sql for who moves a task into and out of each).
 */
public enum TaskState {
  /** Waiting to be claimed; created by the API or put back by a human's retry. */
  QUEUED,
  /** Claimed by a node that holds its lease; an agent runs the current attempt. */
  RUNNING,
  /** An attempt failed or its node died; claimable again once {@code runAt} has passed. */
  RETRYING,
  /** Terminal: the attempt holding the current fencing token succeeded. */
  SUCCEEDED,
  /** Attempts exhausted or a non-retryable error; escalated to a human, who may retry it. */
  FAILED,
  /** Stopped by a kill; never restarted unless a human retries it. */
  KILLED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TaskState fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
