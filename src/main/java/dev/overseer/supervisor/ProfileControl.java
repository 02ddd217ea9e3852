package dev.overseer.supervisor;

import dev.overseer.auth.Principal;
import dev.overseer.bus.Addresses;
import dev.overseer.config.ProfileConfig;
import dev.overseer.error.Problem;
import dev.overseer.store.ExecutionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;

/** Pausing and resuming profiles by people; every node's supervisor hears of it on the event bus. */
public final class ProfileControl {
  private final Vertx vertx;
  private final ExecutionStore store;
  private final Map<String, ProfileConfig> profiles;

  public ProfileControl(Vertx vertx, ExecutionStore store, Map<String, ProfileConfig> profiles) {
    this.vertx = vertx;
    this.store = store;
    this.profiles = profiles;
  }

  public Future<Void> pause(String profile, String reason, Principal actor) {
    return change(profile, true, reason, actor, "profile.paused");
  }

  public Future<Void> resume(String profile, String reason, Principal actor) {
    return change(profile, false, reason, actor, "profile.resumed");
  }

  public Future<Set<String>> paused() {
    return store.pausedProfiles();
  }

  private Future<Void> change(String profile, boolean pause, String reason, Principal actor, String event) {
    if (!profiles.containsKey(profile)) return Future.failedFuture(Problem.notFound("no profile named '" + profile + "'"));
    return store.setPaused(profile, pause, reason, actor.name(), event, new JsonObject(), false)
        .onSuccess(v -> vertx.eventBus().publish(Addresses.PROFILES_CHANGED, profile));
  }
}
