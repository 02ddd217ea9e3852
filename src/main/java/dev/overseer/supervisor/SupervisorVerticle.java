package dev.overseer.supervisor;

import dev.overseer.agent.AgentActivity;
import dev.overseer.agent.AgentVerticle;
import dev.overseer.agent.Heartbeat;
import dev.overseer.agent.AttemptSpec;
import dev.overseer.agent.PidFiles;
import dev.overseer.agent.Termination;
import dev.overseer.kill.KillReceipt;
import dev.overseer.metrics.OverseerMetrics;
import dev.overseer.store.KillStore;
import dev.overseer.store.QuietFailures;
import io.vertx.pgclient.pubsub.PgSubscriber;
import dev.overseer.bus.Addresses;
import dev.overseer.config.OverseerConfig;
import dev.overseer.config.ProfileConfig;
import dev.overseer.config.ProfileSettings;
import dev.overseer.dispatch.Dispatcher;
import dev.overseer.store.ExecutionStore;
import dev.overseer.task.Task;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single place that decides about running attempts on this node. It starts one {@link AgentVerticle}
 * per claimed attempt, watches their heartbeats, declares them dead ({@code heartbeat-lost}),
 * {@code stalled} or past their {@code timeout}, terminates them, and sends every failure through the
 * retry policy. Too many failures of one profile within its period (OTP restart intensity) pause the
 * profile: an escalation a human resolves. It also keeps this node's leases alive and, with every other
 * node, reaps the leases of dead ones.
 */
public final class SupervisorVerticle extends VerticleBase implements Dispatcher.Host {
  private static final Logger log = LoggerFactory.getLogger(SupervisorVerticle.class);
  /** The NOTIFY channel on which kill intents are announced (payload: the task id). */
  static final String KILLS_CHANNEL = "overseer_kills";

  private final OverseerConfig config;
  private final ExecutionStore store;
  private final KillStore kills;
  private final dev.overseer.kill.KillService killService;
  private final String nodeId;
  private final OverseerMetrics metrics;
  /** When the supervisor last ran its checks; the readiness probe reads it from another thread. */
  private volatile long lastCheckMillis;
  private final PgConnectOptions listenOn;
  private final PidFiles pidFiles;
  private final Map<UUID, RunningAttempt> running = new HashMap<>();
  /** Read by the API from other threads, hence concurrent. */
  private final Map<String, Integer> runningByProfile = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, RestartIntensity> intensity = new HashMap<>();
  private Set<String> paused = new HashSet<>();
  private final List<Long> timers = new ArrayList<>();
  private Dispatcher dispatcher;
  private TelemetryWriter telemetry;
  private Completions completions;
  private PgSubscriber subscriber;
  private WorkerExecutor processes;
  private boolean stopping;
  /** A kill arrived while a claim round was under way: look again once its tasks are launched. */
  private boolean killSweepAfterClaim;
  private boolean sweeping;
  private boolean sweepAgain;
  /** Kills whose agent stopped here and whose receipt is being written: a sweep meanwhile must not end them again. */
  private final Set<UUID> killsFinishing = new HashSet<>();
  private final QuietFailures renewFailures = new QuietFailures(log, "renew leases");
  private final QuietFailures reapFailures = new QuietFailures(log, "reap expired leases");
  private final QuietFailures killFailures = new QuietFailures(log, "look for kills");

  public SupervisorVerticle(OverseerConfig config, String nodeId, ExecutionStore store, KillStore kills,
      dev.overseer.kill.KillService killService, PgConnectOptions listenOn, OverseerMetrics metrics) {
    this.killService = killService;
    this.metrics = metrics;
    this.config = config;
    this.nodeId = nodeId;
    this.store = store;
    this.kills = kills;
    this.listenOn = listenOn;
    this.pidFiles = new PidFiles(config.dataDir(), nodeId);
  }

  @Override
  public Future<?> start() {
    processes = vertx.createSharedWorkerExecutor("overseer-processes", 64, 5, TimeUnit.MINUTES);
    config.profiles().keySet().forEach(name ->
        metrics.agentsRunning(name, runningByProfile, counts -> counts.getOrDefault(name, 0)));
    dispatcher = new Dispatcher(vertx, store, config, this);
    telemetry = new TelemetryWriter(vertx, store, config.logs());
    completions = new Completions(vertx, store, log);
    vertx.eventBus().localConsumer(Addresses.KILLS_WAKE, m -> sweepKills());
    vertx.eventBus().localConsumer(Addresses.LEASES_REAP, m -> reapExpired());
    vertx.eventBus().localConsumer(Addresses.SUPERVISOR_AGENTS, m -> m.reply(agents()));
    vertx.eventBus().<Heartbeat>localConsumer(Addresses.AGENT_HEARTBEAT, this::onHeartbeat);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.AGENT_FINISHED, this::onFinished);
    vertx.eventBus().consumer(Addresses.PROFILES_CHANGED, m -> reloadPauses());
    return recoverPreviousLife()
        .compose(v -> reloadPauses())
        .compose(v -> {
          timers.add(vertx.setPeriodic(checkIntervalMillis(), id -> check()));
          long ttl = config.dispatch().leaseTtl().toMillis();
          timers.add(vertx.setPeriodic(Math.max(100, ttl / 3), id -> renewLeases()));
          timers.add(vertx.setPeriodic(Math.max(200, ttl / 2), id -> reapExpired()));
          timers.add(vertx.setPeriodic(Math.max(1000, config.dispatch().pollInterval().toMillis()), id -> reloadPauses()));
          return listen();
        })
        .onSuccess(v -> {
          lastCheckMillis = System.currentTimeMillis();
          telemetry.start();
          dispatcher.start();
          sweepKillsAndCloseFinished();
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    // Agents were deployed from here, so Vert.x has already stopped them (terminating their processes).
    return Future.join(dispatcher.stop(), subscriber == null ? Future.succeededFuture() : subscriber.close(),
            telemetry.stop())
        .compose(v -> store.releaseAll())
        .onSuccess(released -> {
          if (!released.isEmpty()) log.info("handed {} running tasks back to the queue", released.size());
        })
        .recover(e -> {
          log.warn("could not hand running tasks back ({}); their leases will expire", e.toString());
          return Future.succeededFuture();
        })
        .compose(v -> processes.close());
  }

  // ---- Dispatcher.Host

  @Override
  public int freeSlots(ProfileConfig profile) {
    return stopping ? 0 : profile.settings().concurrency() - runningByProfile.getOrDefault(profile.name(), 0);
  }

  @Override
  public boolean paused(String profile) {
    return paused.contains(profile);
  }

  @Override
  public void launch(Task task, ProfileConfig profile) {
    RunningAttempt attempt = new RunningAttempt(task, profile);
    attempt.leaseValidUntilMillis = attempt.startedMillis + leaseSafeMillis();
    running.put(task.id(), attempt);
    metrics.dispatchLatency(java.time.Duration.between(task.runAt().toInstant(), java.time.Instant.now()));
    runningByProfile.merge(profile.name(), 1, Integer::sum);
    JsonObject input = task.input() instanceof JsonObject json ? json : new JsonObject();
    AttemptSpec spec = new AttemptSpec(task.id(), task.attempt(), input, profile, config.dataDir());
    attempt.verticle = new AgentVerticle(spec, processes, pidFiles);
    vertx.deployVerticle(attempt.verticle).onComplete(deployed -> {
      if (deployed.succeeded()) {
        attempt.deploymentId = deployed.result();
        // a quick agent may have finished before its deployment completed
        if (running.get(task.id()) != attempt) undeploy(attempt);
      } else {
        log.error("could not deploy the agent of {}", spec.key(), deployed.cause());
      }
    });
  }

  @Override
  public void claimRoundDone() {
    eventsWritten();
    if (killSweepAfterClaim) {
      killSweepAfterClaim = false;
      sweepKills();
    }
  }

  /** When the supervisor last checked its agents (epoch millis); 0 before it started. */
  public long lastCheckMillis() {
    return lastCheckMillis;
  }

  /** When the dispatcher last finished a claim round (epoch millis); 0 before it started. */
  public long lastClaimRoundMillis() {
    return dispatcher == null ? 0 : dispatcher.lastRoundMillis();
  }

  /** Running attempts per profile, for the API. */
  public Map<String, Integer> runningCounts() {
    return Map.copyOf(runningByProfile);
  }

  private JsonObject agents() {
    io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
    for (RunningAttempt a : running.values()) {
      items.add(new JsonObject()
          .put("taskId", a.task.id().toString())
          .put("name", a.task.name())
          .put("profile", a.profile.name())
          .put("attempt", a.attempt())
          .put("pid", a.pid > 0 ? a.pid : null)
          .put("startedAt", java.time.Instant.ofEpochMilli(a.startedMillis).toString())
          .put("lastHeartbeatAt", java.time.Instant.ofEpochMilli(a.lastHeartbeatMillis).toString())
          .put("lastActivityAt", java.time.Instant.ofEpochMilli(a.lastActivityMillis).toString())
          .put("percent", a.progressPercent)
          .put("message", a.progressMessage)
          .put("terminating", a.terminating));
    }
    return new JsonObject().put("node", nodeId).put("items", items);
  }

  // ---- what agents say

  private void onHeartbeat(Message<Heartbeat> message) {
    Heartbeat beat = message.body();
    RunningAttempt attempt = running.get(beat.taskId());
    if (attempt == null || attempt.attempt() != beat.attempt()) return;
    attempt.lastHeartbeatMillis = System.currentTimeMillis();
    attempt.lastActivityMillis = Math.max(attempt.lastActivityMillis, beat.lastActivity());
    if (beat.pid() > 0 && attempt.pid != beat.pid()) {
      attempt.pid = beat.pid();
      store.processStarted(attempt.task.id(), attempt.attempt(), beat.pid(),
              beat.pidStartedAt() > 0 ? java.time.Instant.ofEpochMilli(beat.pidStartedAt()) : null)
          .onFailure(e -> log.warn("cannot record pid of {}: {}", attempt.task.id(), e.toString()));
    }
    AgentActivity.Progress progress = beat.progress();
    if (progress != null && (!java.util.Objects.equals(progress.percent(), attempt.progressPercent)
        || !java.util.Objects.equals(progress.message(), attempt.progressMessage))) {
      attempt.progressPercent = progress.percent();
      attempt.progressMessage = progress.message();
      // stored in batches: a chatty agent cannot flood the database
      telemetry.progress(attempt.task.id(), attempt.attempt(), progress.percent(), progress.message());
    }
    if (beat.lines() != null) telemetry.lines(attempt.log, beat.lines(), beat.droppedLines());
  }

  private void takeLines(RunningAttempt attempt, JsonObject message) {
    if (message.containsKey("lines")) {
      telemetry.lines(attempt.log, message.getJsonArray("lines"), message.getLong("droppedLines", 0L));
    }
  }

  private void onFinished(Message<JsonObject> message) {
    JsonObject body = message.body();
    RunningAttempt attempt = running.get(UUID.fromString(body.getString("taskId")));
    if (attempt == null || attempt.attempt() != body.getInteger("attempt") || attempt.terminating != null) {
      return; // a stale attempt, or one the supervisor is already terminating and will record itself
    }
    undeploy(attempt);
    takeLines(attempt, body);
    if (stopping || attempt.leaseLost) {
      forget(attempt);
      return;
    }
    if (body.getBoolean("succeeded")) {
      metrics.attemptEnded(attempt.profile.name(), "succeeded", attempt.ran());
      // the slot stays taken (and the lease renewed) until the success is committed: a backlog of
      // unrecorded successes holds back new claims instead of growing without bound
      attempt.terminating = "succeeded";
      completions.succeeded(new ExecutionStore.Success(attempt.task.id(), attempt.attempt(), body.getValue("output"),
              body.getInteger("percent"), body.getString("message")))
          .onComplete(done -> {
            forget(attempt);
            afterRecord(attempt, done.succeeded() ? done.result() : null, done.cause());
          });
    } else {
      forget(attempt);
      JsonObject error = body.getJsonObject("error");
      attemptFailed(attempt, error, error.getBoolean("retryable", true), true);
    }
  }

  // ---- decisions

  /** Every check interval: heartbeats lost, stalled agents, timeouts. */
  private void check() {
    long now = System.currentTimeMillis();
    long sinceLastCheck = now - lastCheckMillis;
    lastCheckMillis = now;
    if (sinceLastCheck > 3 * checkIntervalMillis()) {
      // This node itself was stalled (GC, an overloaded machine): the heartbeats it missed say nothing
      // about the agents. Start counting afresh rather than declare healthy agents dead.
      log.warn("the supervisor ran {}ms late; not judging agents on heartbeats missed meanwhile", sinceLastCheck);
      for (RunningAttempt attempt : running.values()) {
        attempt.lastHeartbeatMillis = Math.max(attempt.lastHeartbeatMillis, now);
      }
      return;
    }
    List<Runnable> verdicts = new ArrayList<>(); // carried out after the walk: they change `running`
    for (RunningAttempt attempt : running.values()) {
      if (attempt.terminating != null || attempt.deploymentId == null) continue;
      Runnable verdict = verdict(attempt, now);
      if (verdict != null) verdicts.add(verdict);
    }
    verdicts.forEach(Runnable::run);
  }

  /** What to do about an attempt now, or null while it is healthy. */
  private Runnable verdict(RunningAttempt attempt, long now) {
    ProfileSettings.Supervision s = attempt.profile.settings().supervisor();
    if (now > attempt.leaseValidUntilMillis) {
      // PostgreSQL has been out of reach for a whole lease: another node may take this task over now
      return () -> {
        attempt.leaseLost = true;
        terminate(attempt, "lease-lost", "the lease could not be renewed before it expired");
      };
    } else if (now - attempt.lastHeartbeatMillis > s.heartbeatInterval().toMillis() * s.missedHeartbeatsLimit()) {
      return () -> {
        metrics.heartbeatLost();
        terminate(attempt, "heartbeat-lost", "no heartbeat for " + (now - attempt.lastHeartbeatMillis) + "ms");
      };
    } else if (now - attempt.lastActivityMillis > s.stallTimeout().toMillis()) {
      return () -> terminate(attempt, "stalled", "no progress, output or heartbeat from the agent for "
          + (now - attempt.lastActivityMillis) + "ms");
    } else if (now - attempt.startedMillis > attempt.task.timeout().toMillis()) {
      return () -> terminate(attempt, "timeout", "the attempt ran longer than its timeout of "
          + dev.overseer.config.Durations.format(attempt.task.timeout()));
    }
    return null;
  }

  /** Stops an attempt the supervisor gave up on, then records the failure through the retry policy. */
  private void terminate(RunningAttempt attempt, String reason, String message) {
    attempt.terminating = reason;
    log.warn("terminating {} attempt {}: {}", attempt.task.id(), attempt.attempt(), message);
    if (!attempt.leaseLost) {
      store.event(attempt.task.id(), "agent." + reason,
              new JsonObject().put("attempt", attempt.attempt()).put("pid", attempt.pid).put("message", message))
          .onFailure(e -> log.warn("cannot record agent.{} of {}: {}", reason, attempt.task.id(), e.toString()));
    }
    undeploy(attempt).onComplete(stopped -> {
      forget(attempt);
      if (stopping || attempt.leaseLost || attempt.killing) return; // a kill records its own end
      JsonObject error = new JsonObject().put("reason", reason).put("message", message).put("retryable", true);
      attemptFailed(attempt, error, true, true);
    });
  }

  // ---- kills

  private Future<Void> listen() {
    subscriber = PgSubscriber.subscriber(vertx, listenOn).reconnectPolicy(retries -> 1000L);
    subscriber.channel(Dispatcher.CHANNEL).handler(payload -> {
      dispatcher.wake();
      eventsWritten(); // tasks were created (here or elsewhere): their events can be streamed
    });
    subscriber.channel(KILLS_CHANNEL).handler(taskId -> sweepKills());
    // after a reconnect, notifications sent meanwhile are lost: look for kills and work at once
    subscriber.closeHandler(v -> log.warn("lost the LISTEN connection; reconnecting"));
    return subscriber.connect().recover(e -> {
      log.warn("cannot LISTEN yet ({}); polling until it can", e.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * Carries out every kill under way of an attempt this node holds, at once (a NOTIFY, a local wake).
   * One sweep at a time: the requests that arrive during one (a kill-all sends thousands) make one more.
   */
  private void sweepKills() {
    if (stopping) return;
    if (sweeping) {
      sweepAgain = true;
      return;
    }
    sweeping = true;
    kills.pendingOfNode(nodeId).onComplete(pending -> {
      sweeping = false;
      if (pending.succeeded()) {
        killFailures.succeeded();
        pending.result().forEach(this::carryOut);
      } else {
        killFailures.failed(pending.cause());
      }
      if (sweepAgain) {
        sweepAgain = false;
        sweepKills();
      }
    });
  }

  /**
   * On every lease renewal: first closes kills whose task finished by itself in the same instant, then
   * sweeps, in case a NOTIFY was missed.
   */
  private void sweepKillsAndCloseFinished() {
    if (stopping) return;
    kills.closeFinished().onComplete(closed -> sweepKills());
  }

  private void carryOut(KillReceipt kill) {
    if (killsFinishing.contains(kill.taskId())) return;
    RunningAttempt attempt = running.get(kill.taskId());
    if (attempt == null || attempt.attempt() != kill.attempt()) {
      if (dispatcher.claiming()) {
        killSweepAfterClaim = true; // it may be among the tasks being launched right now
      } else {
        // not running here any more (it ended, or this node restarted): end the kill by the book
        finishKill(kill.taskId(), kill.attempt(), Termination.NOTHING_TO_STOP);
      }
      return;
    }
    if (attempt.killing) return;
    attempt.killing = true;
    if (attempt.terminating == null) attempt.terminating = "killed";
    log.info("killing {} attempt {} for {}: {}", kill.taskId(), kill.attempt(), kill.requestedBy(), kill.reason());
    attempt.verticle.stopGrace(java.time.Duration.ofMillis(kill.graceMillis()));
    killsFinishing.add(kill.taskId());
    undeploy(attempt).onComplete(stopped -> {
      forget(attempt);
      metrics.attemptEnded(attempt.profile.name(), "killed", attempt.ran());
      finishKill(kill.taskId(), kill.attempt(), attempt.verticle.termination())
          .onComplete(done -> killsFinishing.remove(kill.taskId()));
    });
  }

  /**
   * Stops an attempt because a limit Overseer enforces was reached (a budget, a pause too long, a disk
   * quota): through the kill authority, as a kill with the actor {@code overseer}, {@code reason} the
   * cause and a receipt, carried out here at once instead of at the next sweep. The task ends
   * {@code endsAs} with {@code error} ({reason, message, by} when null), never retried.
   */
  Future<java.util.Optional<KillReceipt>> systemKill(RunningAttempt attempt, String reason, String message,
      dev.overseer.task.TaskState endsAs, JsonObject error) {
    return killService.systemKill(attempt.task.id(), attempt.attempt(), reason, message,
            attempt.profile.settings().shutdownGrace(), endsAs, error)
        .onSuccess(receipt -> receipt.ifPresent(this::carryOut))
        .onFailure(e -> log.error("cannot write the {} kill of {}; trying again at the next look", reason,
            attempt.task.id(), e));
  }

  private Future<?> finishKill(UUID taskId, int attempt, Termination termination) {
    return kills.finish(taskId, attempt, termination.signalledAt(), termination.forced(), termination.stoppedAt(), nodeId,
            config.escalationWebhook() != null)
        .onSuccess(receipt -> receipt.filter(r -> KillReceipt.KILLED.equals(r.outcome()))
            .ifPresent(r -> metrics.kill(Boolean.TRUE.equals(r.forced()))))
        .onSuccess(receipt -> receipt.ifPresent(r -> log.info("kill of {} attempt {}: {}{}", taskId, attempt, r.outcome(),
            Boolean.TRUE.equals(r.forced()) ? " (SIGKILL was needed)" : "")))
        .onFailure(e -> log.error("cannot record the kill of {}; it will be ended when its lease is reaped", taskId, e))
        .onComplete(done -> dispatcher.wake());
  }

  private void attemptFailed(RunningAttempt attempt, JsonObject error, boolean retryable, boolean agentsFault) {
    if (agentsFault) recordProfileFailure(attempt.profile);
    Task task = attempt.task;
    Future<java.util.Optional<Task>> recorded;
    if (retryable && task.attempt() < task.maxAttempts()) {
      java.time.Duration backoff = Backoff.after(task.attempt(), attempt.profile.settings().retry());
      metrics.attemptEnded(attempt.profile.name(), "retrying", attempt.ran());
      metrics.restart(attempt.profile.name(), error.getString("reason"));
      recorded = store.retrying(task.id(), task.attempt(), error, backoff);
      // claim it when it is due rather than at the next poll
      vertx.setTimer(Math.max(1, backoff.toMillis()), id -> dispatcher.wake());
    } else {
      JsonObject escalation = new JsonObject()
          .put("reason", retryable ? "attempts-exhausted" : "not-retryable")
          .put("attempts", task.attempt())
          .put("lastError", error);
      metrics.attemptEnded(attempt.profile.name(), "failed", attempt.ran());
      metrics.escalation();
      recorded = store.failed(task.id(), task.attempt(), error, escalation, config.escalationWebhook() != null);
    }
    recorded.onComplete(done -> afterRecord(attempt, done.succeeded() ? done.result().isPresent() : null, done.cause()));
  }

  /** Tells the event hub that events were committed, so the stream shows them without waiting for its poll. */
  private void eventsWritten() {
    vertx.eventBus().send(Addresses.EVENTS_WAKE, null, Addresses.NODE_LOCAL);
  }

  private void afterRecord(RunningAttempt attempt, Boolean applied, Throwable failure) {
    if (failure != null) {
      log.error("cannot record the end of {} attempt {}; its lease will expire and it will be retried",
          attempt.task.id(), attempt.attempt(), failure);
    } else {
      eventsWritten();
      if (!applied) {
        log.info("{} attempt {} was fenced off: its lease had passed to another attempt", attempt.task.id(), attempt.attempt());
      }
    }
    dispatcher.wake();
  }

  private void recordProfileFailure(ProfileConfig profile) {
    ProfileSettings.Supervision s = profile.settings().supervisor();
    RestartIntensity limit = intensity.computeIfAbsent(profile.name(), n -> new RestartIntensity(s.intensity(), s.period()));
    if (limit.recordFailure(System.currentTimeMillis()) && !paused.contains(profile.name())) {
      paused.add(profile.name());
      metrics.escalation();
      String reason = "more than " + s.intensity() + " failures within " + dev.overseer.config.Durations.format(s.period());
      log.error("escalating profile {}: {}; it is paused until someone resumes it", profile.name(), reason);
      JsonObject details = new JsonObject().put("failures", limit.recent()).put("intensity", s.intensity())
          .put("period", dev.overseer.config.Durations.format(s.period()));
      store.setPaused(profile.name(), true, reason, "overseer", "profile.escalated", details, config.escalationWebhook() != null)
          .onSuccess(v -> vertx.eventBus().publish(Addresses.PROFILES_CHANGED, profile.name()))
          .onFailure(e -> log.error("cannot record the escalation of profile {}", profile.name(), e));
    }
  }

  // ---- leases

  private void renewLeases() {
    sweepKillsAndCloseFinished();
    if (running.isEmpty()) return;
    List<UUID> ids = new ArrayList<>(running.keySet());
    long renewedAt = System.currentTimeMillis();
    store.renew(ids, config.dispatch().leaseTtl()).onSuccess(held -> {
      for (UUID id : ids) {
        RunningAttempt attempt = running.get(id);
        if (attempt != null && held.contains(id)) {
          attempt.leaseValidUntilMillis = renewedAt + leaseSafeMillis();
        } else if (attempt != null && attempt.terminating == null) {
          attempt.leaseLost = true;
          terminate(attempt, "lease-lost", "this node lost the lease (it could not renew it in time)");
        }
      }
      renewFailures.succeeded();
    }).onFailure(renewFailures::failed);
  }

  private void reapExpired() {
    store.reap(false, config.escalationWebhook() != null).onSuccess(reaped -> {
      if (!reaped.isEmpty()) {
        log.warn("reaped {} tasks whose node stopped renewing its leases", reaped.size());
        dispatcher.wake();
      }
      reapFailures.succeeded();
    }).onFailure(reapFailures::failed);
  }

  /** Kills what this node's previous life left running, then takes its leases back at once. */
  private Future<Void> recoverPreviousLife() {
    return processes.executeBlocking(pidFiles::killLeftovers, false)
        .compose(killed -> store.reap(true, config.escalationWebhook() != null).map(recovered -> {
          if (killed > 0 || !recovered.isEmpty()) {
            log.warn("recovered from a previous run: killed {} leftover agent processes, returned {} tasks",
                killed, recovered.size());
          }
          return null;
        }));
  }

  private Future<Void> reloadPauses() {
    return store.pausedProfiles().onSuccess(now -> {
      for (String profile : paused) {
        if (!now.contains(profile)) intensity.remove(profile); // resumed: a fresh start
      }
      boolean resumed = !now.containsAll(paused);
      paused = now;
      if (resumed) dispatcher.wake();
    }).onFailure(e -> log.warn("cannot load paused profiles: {}", e.toString())).mapEmpty();
  }

  // ---- bookkeeping

  private void forget(RunningAttempt attempt) {
    if (running.remove(attempt.task.id(), attempt)) {
      runningByProfile.merge(attempt.profile.name(), -1, Integer::sum);
    }
  }

  /** Stops the attempt's agent (grace, then SIGKILL); a second call joins the first. */
  private Future<Void> undeploy(RunningAttempt attempt) {
    if (attempt.stopping != null) return attempt.stopping;
    if (attempt.deploymentId == null) return Future.succeededFuture();
    // Vert.x has undeployed it already only when it is shutting down; that is as good as done. (Asking
    // vertx.deploymentIDs() first would copy every deployment: quadratic with thousands of agents.)
    attempt.stopping = vertx.undeploy(attempt.deploymentId).recover(e -> Future.succeededFuture());
    return attempt.stopping;
  }

  /** How long a lease may be trusted locally: its TTL less a margin for clock skew and in-flight renewals. */
  private long leaseSafeMillis() {
    long ttl = config.dispatch().leaseTtl().toMillis();
    return ttl - Math.max(200, ttl / 10);
  }

  private long checkIntervalMillis() {
    long shortest = config.profiles().values().stream()
        .mapToLong(p -> p.settings().supervisor().heartbeatInterval().toMillis()).min().orElse(1000);
    return Math.max(50, Math.min(1000, shortest / 2));
  }
}
