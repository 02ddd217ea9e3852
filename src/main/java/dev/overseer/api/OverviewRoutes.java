package dev.overseer.api;

import dev.overseer.auth.Principal;
import dev.overseer.bus.Addresses;
import dev.overseer.metrics.OverseerMetrics;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** What the dashboard needs at a glance: who am I, how many tasks per state, which agents run here. */
final class OverviewRoutes {
  /** A node that wrote no heartbeat for this long is not listed as live. */
  private static final java.time.Duration LIVE_WITHIN = java.time.Duration.ofSeconds(15);
  private final OverseerMetrics metrics;
  private final dev.overseer.store.NodeStore nodes;

  OverviewRoutes(OverseerMetrics metrics, dev.overseer.store.NodeStore nodes) {
    this.metrics = metrics;
    this.nodes = nodes;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("whoAmI").addHandler(this::whoAmI);
    builder.getRoute("countTasks").addHandler(this::counts);
    builder.getRoute("listAgents").addHandler(this::agents);
    builder.getRoute("listNodes").addHandler(rc -> nodes.live(LIVE_WITHIN)
        .onSuccess(items -> Http.json(rc, 200, new JsonObject().put("items", items)))
        .onFailure(rc::fail));
  }

  private void whoAmI(RoutingContext rc) {
    Principal me = Authentication.principal(rc);
    Http.json(rc, 200, new JsonObject().put("name", me.name()).put("role", me.role().wireName()));
  }

  private void counts(RoutingContext rc) {
    JsonObject counts = new JsonObject();
    metrics.taskCounts().forEach(counts::put);
    Http.json(rc, 200, new JsonObject().put("counts", counts));
  }

  /** The supervisor owns its attempts; it answers for them on its own context. */
  private void agents(RoutingContext rc) {
    rc.vertx().eventBus().<JsonObject>request(Addresses.SUPERVISOR_AGENTS, null)
        .onSuccess(reply -> Http.json(rc, 200, reply.body()))
        .onFailure(rc::fail);
  }
}
