package dev.overseer.api;

import dev.overseer.config.Durations;
import dev.overseer.config.ProfileConfig;
import dev.overseer.config.ProfileSettings;
import dev.overseer.error.Problem;
import dev.overseer.supervisor.ProfileControl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** HTTP handlers for {@code /api/v1/profiles}: settings, running counts, pause and resume. */
final class ProfileRoutes {
  private final Map<String, ProfileConfig> profiles;
  private final ProfileControl control;
  private final Supplier<Map<String, Integer>> runningCounts;

  ProfileRoutes(Map<String, ProfileConfig> profiles, ProfileControl control, Supplier<Map<String, Integer>> runningCounts) {
    this.profiles = profiles;
    this.control = control;
    this.runningCounts = runningCounts;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("listProfiles").addHandler(this::list);
    builder.getRoute("pauseProfile").addHandler(rc -> change(rc, true));
    builder.getRoute("resumeProfile").addHandler(rc -> change(rc, false));
  }

  private void list(RoutingContext rc) {
    control.paused().onSuccess(paused -> {
      JsonArray items = new JsonArray();
      profiles.values().forEach(p -> items.add(profile(p, paused)));
      Http.json(rc, 200, new JsonObject().put("items", items));
    }).onFailure(rc::fail);
  }

  private void change(RoutingContext rc, boolean pause) {
    String name = Http.validated(rc).getPathParameters().get("name").getString();
    dev.overseer.task.Text.requireNoNul(Http.body(rc), "");
    String reason = Http.body(rc).getString("reason");
    if (pause && reason == null) {
      throw new Problem(400, "Bad Request", "a pause needs a reason", List.of(new Problem.FieldError("/reason", "required")));
    }
    var changed = pause ? control.pause(name, reason, Authentication.principal(rc))
        : control.resume(name, reason, Authentication.principal(rc));
    changed.compose(v -> control.paused())
        .onSuccess(paused -> Http.json(rc, 200, profile(profiles.get(name), paused)))
        .onFailure(rc::fail);
  }

  private JsonObject profile(ProfileConfig p, Set<String> paused) {
    ProfileSettings s = p.settings();
    return new JsonObject()
        .put("name", p.name())
        .put("kind", p.kind().name().toLowerCase(Locale.ROOT))
        .put("agent", p.agent())
        .put("command", p.command().isEmpty() ? null : new JsonArray(p.command()))
        .put("paused", paused.contains(p.name()))
        .put("running", runningCounts.get().getOrDefault(p.name(), 0))
        .put("concurrency", s.concurrency())
        .put("timeout", Durations.format(s.timeout()))
        .put("maxAttempts", s.maxAttempts())
        .put("retry", new JsonObject()
            .put("minBackoff", Durations.format(s.retry().minBackoff()))
            .put("maxBackoff", Durations.format(s.retry().maxBackoff()))
            .put("randomFactor", s.retry().randomFactor()))
        .put("supervisor", new JsonObject()
            .put("heartbeatInterval", Durations.format(s.supervisor().heartbeatInterval()))
            .put("missedHeartbeatsLimit", s.supervisor().missedHeartbeatsLimit())
            .put("stallTimeout", Durations.format(s.supervisor().stallTimeout()))
            .put("intensity", s.supervisor().intensity())
            .put("period", Durations.format(s.supervisor().period())))
        .put("shutdown", new JsonObject().put("grace", Durations.format(s.shutdownGrace())));
  }
}
