package dev.overseer.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/** Every event-bus address Overseer uses, in one place: {@code overseer.<area>.<verb>}. */
public final class Addresses {
  private Addresses() {}

  /**
   * For messages to a node-local address: delivered here without asking the cluster who listens (in a
   * cluster, a plain send consults the cluster's subscriptions first). Never modified.
   */
  public static final DeliveryOptions NODE_LOCAL = new DeliveryOptions().setLocalOnly(true);

  /**
   * Published: every positioned event, as the stream sends it (JSON with {@code position}, {@code type},
   * {@code taskId}, ...). Each task's events also go to {@code overseer.events.task.<taskId>}.
   */
  public static final String EVENTS = "overseer.events";
  /** Agent → supervisor, every heartbeat interval: attempt, pid, last activity, progress. Node-local. */
  public static final String AGENT_HEARTBEAT = "overseer.agent.heartbeat";
  /** Agent → supervisor, once: the attempt's outcome. Node-local. */
  public static final String AGENT_FINISHED = "overseer.agent.finished";
  /** Published when a profile is paused or resumed, so every node's supervisor reloads its pauses. */
  public static final String PROFILES_CHANGED = "overseer.profiles.changed";
  /** Published when a token is revoked (body: its name): streams opened with it are closed at once. */
  public static final String TOKEN_REVOKED = "overseer.tokens.revoked";
  /** Request/reply, node-local: the agents this node's supervisor runs ({@code {node, items}}). */
  public static final String SUPERVISOR_AGENTS = "overseer.supervisor.agents";
  /** Asks the local supervisor to reap expired leases now (a cluster member left). */
  public static final String LEASES_REAP = "overseer.leases.reap";
  /** Asks the local supervisor to look for kills under way of the attempts it runs. */
  public static final String KILLS_WAKE = "overseer.kills.wake";
  /**
   * Tells the local event hub that this node just committed events (tasks created, claimed or ended), so
   * it numbers and streams them now instead of at its next poll.
   */
  public static final String EVENTS_WAKE = "overseer.events.wake";
  /** Asks the local dispatcher to claim work now (a task was retried, a profile resumed). */
  public static final String DISPATCH_WAKE = "overseer.dispatch.wake";
}
