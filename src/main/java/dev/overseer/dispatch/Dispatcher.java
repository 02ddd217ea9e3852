package dev.overseer.dispatch;

import dev.overseer.bus.Addresses;
import dev.overseer.config.OverseerConfig;
import dev.overseer.config.ProfileConfig;
import dev.overseer.store.ExecutionStore;
import dev.overseer.task.Task;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims ready tasks for this node: by priority then age, within each profile's free concurrency, never
 * for a paused profile. Woken by PostgreSQL NOTIFY when tasks arrive (so an idle system starts work in
 * milliseconds), by the supervisor when a slot frees, and by a poll timer as the fallback. One claim
 * round runs at a time; a wake during a round runs another right after.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  /** The NOTIFY channel on which new ready work is announced. */
  public static final String CHANNEL = "overseer_tasks";

  /** What the dispatcher needs from the supervisor that runs the claimed attempts. */
  public interface Host {
    int freeSlots(ProfileConfig profile);

    boolean paused(String profile);

    void launch(Task task, ProfileConfig profile);

    /** A claim round ended: every task it claimed has been launched. */
    void claimRoundDone();
  }

  private final Vertx vertx;
  private final ExecutionStore store;
  private final OverseerConfig config;
  private final Host host;
  private MessageConsumer<Object> wakeConsumer;
  private long pollTimer = -1;
  private boolean dispatching;
  private boolean again;
  private boolean stopped;
  private volatile long lastRoundMillis;
  private final dev.overseer.store.QuietFailures failures =
      new dev.overseer.store.QuietFailures(LoggerFactory.getLogger(Dispatcher.class), "claim tasks");

  public Dispatcher(Vertx vertx, ExecutionStore store, OverseerConfig config, Host host) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.host = host;
  }

  /** Starts polling; the owner of the LISTEN connection calls {@link #wake()} on {@link #CHANNEL}. */
  public void start() {
    lastRoundMillis = System.currentTimeMillis();
    wakeConsumer = vertx.eventBus().localConsumer(Addresses.DISPATCH_WAKE, m -> wake());
    pollTimer = vertx.setPeriodic(config.dispatch().pollInterval().toMillis(), id -> wake());
    wake();
  }

  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(pollTimer);
    return wakeConsumer == null ? Future.succeededFuture() : wakeConsumer.unregister();
  }

  /** When the last claim round succeeded (epoch millis), for the readiness probe. */
  public long lastRoundMillis() {
    return lastRoundMillis;
  }

  /** Whether a claim round is under way (its tasks may not have been launched yet). */
  public boolean claiming() {
    return dispatching;
  }

  /** Runs a claim round now, or right after the one under way. */
  public void wake() {
    if (stopped) return;
    if (dispatching) {
      again = true;
      return;
    }
    dispatching = true;
    again = false;
    claimRound().onComplete(done -> {
      dispatching = false;
      if (done.succeeded()) lastRoundMillis = System.currentTimeMillis();
      host.claimRoundDone();
      if (done.failed()) failures.failed(done.cause());
      else failures.succeeded();
      if (again || (done.succeeded() && done.result())) vertx.runOnContext(v -> wake());
    });
  }

  /**
   * Claims for every profile with free slots in one query; true when some profile got all it asked for
   * and still has free slots (so another round right away is worth it).
   */
  private Future<Boolean> claimRound() {
    Map<String, Integer> wanted = new LinkedHashMap<>();
    Map<String, Integer> free = new HashMap<>();
    for (ProfileConfig profile : config.profiles().values()) {
      int slots = host.freeSlots(profile);
      if (slots <= 0 || host.paused(profile.name())) continue;
      free.put(profile.name(), slots);
      wanted.put(profile.name(), Math.min(slots, config.dispatch().batchSize()));
    }
    if (wanted.isEmpty()) return Future.succeededFuture(false);
    return store.claim(wanted, config.dispatch().leaseTtl()).map(tasks -> {
      Map<String, Integer> got = new HashMap<>();
      for (Task task : tasks) {
        host.launch(task, config.profiles().get(task.profile()));
        got.merge(task.profile(), 1, Integer::sum);
      }
      return wanted.entrySet().stream().anyMatch(w ->
          got.getOrDefault(w.getKey(), 0).equals(w.getValue()) && free.get(w.getKey()) > w.getValue());
    });
  }
}
