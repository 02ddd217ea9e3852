package dev.overseer.api;

import dev.overseer.config.Durations;
import dev.overseer.config.ProfileConfig;
import dev.overseer.config.ProfileSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.Locale;
import java.util.Map;

/** HTTP handlers for {@code /api/v1/profiles}: each profile with its effective settings. */
final class ProfileRoutes {
  private final Map<String, ProfileConfig> profiles;

  ProfileRoutes(Map<String, ProfileConfig> profiles) {
    this.profiles = profiles;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("listProfiles").addHandler(this::list);
  }

  private void list(RoutingContext rc) {
    JsonArray items = new JsonArray();
    profiles.values().forEach(p -> items.add(profile(p)));
    Http.json(rc, 200, new JsonObject().put("items", items));
  }

  static JsonObject profile(ProfileConfig p) {
    ProfileSettings s = p.settings();
    return new JsonObject()
        .put("name", p.name())
        .put("kind", p.kind().name().toLowerCase(Locale.ROOT))
        .put("agent", p.agent())
        .put("command", p.command().isEmpty() ? null : new JsonArray(p.command()))
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
