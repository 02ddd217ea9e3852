package dev.overseer.api;

import dev.overseer.config.OverseerConfig;
import dev.overseer.error.Problem;
import dev.overseer.store.EventStore;
import dev.overseer.stream.EventHub;
import dev.overseer.stream.StreamFilter;
import dev.overseer.stream.Streams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import java.util.List;
import java.util.UUID;

/** HTTP handlers for the event feed: WebSocket, Server-Sent Events, polling and the audit trail. */
final class StreamRoutes {
  /**
   * Positions one filtered GET /api/v1/events looks at, at most: it answers with fewer items (and
   * {@code reached} to go on from) rather than read an unbounded history in one request.
   */
  static final long POLL_SCAN_LIMIT = 100_000;
  private final EventHub hub;
  private final EventStore events;
  private final OverseerConfig.Stream limits;

  StreamRoutes(EventHub hub, EventStore events, OverseerConfig.Stream limits) {
    this.hub = hub;
    this.events = events;
    this.limits = limits;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("openStream").addHandler(this::webSocket);
    builder.getRoute("streamEvents").addHandler(this::serverSentEvents);
    builder.getRoute("listEvents").addHandler(this::list);
    builder.getRoute("listAudit").addHandler(this::audit);
  }

  private void webSocket(RoutingContext rc) {
    if (!"websocket".equalsIgnoreCase(rc.request().getHeader("Upgrade"))) {
      throw new Problem(426, "Upgrade Required", "this is a WebSocket endpoint; for plain HTTP use /api/v1/events/stream",
          List.of());
    }
    requireRoom();
    StreamFilter filter = filter(rc);
    Long after = after(rc, null);
    rc.request().toWebSocket().onSuccess(ws -> Streams.follow(rc.vertx(), hub,
            Authentication.principal(rc).name(), filter, after, ws, limits))
        .onFailure(rc::fail);
  }

  private void serverSentEvents(RoutingContext rc) {
    requireRoom();
    // a browser's EventSource reconnects to the same URL (after= and all) with Last-Event-ID: that wins
    String lastEventId = Http.header(rc, "Last-Event-ID");
    Long after = lastEventId != null ? Long.valueOf(lastEventId) : after(rc, null);
    rc.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    rc.response().write(": overseer event stream\n\n");
    Streams.followSse(rc.vertx(), hub, Authentication.principal(rc).name(), filter(rc), after, rc.response(), limits);
  }

  private void list(RoutingContext rc) {
    RequestParameter limit = Http.query(rc, "limit");
    events.collect(after(rc, 0L), filter(rc), limit == null ? 100 : limit.getInteger(), POLL_SCAN_LIMIT).map(page -> {
      JsonArray items = new JsonArray();
      page.events().forEach(e -> items.add(e.toJson()));
      return new JsonObject().put("items", items).put("reached", page.reached());
    }).onSuccess(json -> Http.json(rc, 200, json)).onFailure(rc::fail);
  }

  private void audit(RoutingContext rc) {
    RequestParameter limit = Http.query(rc, "limit");
    RequestParameter task = Http.query(rc, "task");
    events.audit(after(rc, 0L), string(rc, "actor"), string(rc, "type"),
            task == null ? null : UUID.fromString(task.getString()), limit == null ? 100 : limit.getInteger())
        .map(list -> {
          JsonArray items = new JsonArray();
          list.forEach(e -> items.add(e.toJson()));
          return new JsonObject().put("items", items);
        })
        .onSuccess(json -> Http.json(rc, 200, json)).onFailure(rc::fail);
  }

  private void requireRoom() {
    if (hub.connections() >= limits.maxConnections()) {
      throw new Problem(503, "Service Unavailable", "too many stream connections (stream.maxConnections = "
          + limits.maxConnections() + "); try again later", List.of());
    }
  }

  private static StreamFilter filter(RoutingContext rc) {
    String task = string(rc, "task");
    return new StreamFilter(task == null ? null : UUID.fromString(task), string(rc, "profile"),
        StreamFilter.parseTypes(string(rc, "types")));
  }

  /** {@code after} from the query (or Last-Event-ID); null means "from now on". */
  private static Long after(RoutingContext rc, Long fallback) {
    RequestParameter after = Http.query(rc, "after");
    return after != null ? after.getLong() : fallback;
  }

  private static String string(RoutingContext rc, String name) {
    RequestParameter p = Http.query(rc, name);
    return p == null ? null : p.getString();
  }
}
