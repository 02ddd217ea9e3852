package dev.overseer.api;

import dev.overseer.auth.TokenService;
import dev.overseer.config.OverseerConfig;
import dev.overseer.health.HealthRoutes;
import dev.overseer.task.TaskService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import dev.overseer.kill.KillService;
import dev.overseer.metrics.OverseerMetrics;
import dev.overseer.store.EventStore;
import dev.overseer.stream.EventHub;
import dev.overseer.supervisor.ProfileControl;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server: the OpenAPI contract builds the router and validates every request against it, so
 * the documented API and the served one cannot drift.
 */
public final class ApiVerticle extends VerticleBase {
  static final String CONTRACT = "api/openapi.yaml";
  /** How long a shutdown waits for requests in flight. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

  private final OverseerConfig config;
  private final TaskService tasks;
  private final TokenService tokens;
  private final HealthRoutes health;
  private final ProfileControl profiles;
  private final KillService kills;
  private final EventStore events;
  private final OverseerMetrics metrics;
  private final java.util.function.BooleanSupplier publishes;
  private final dev.overseer.store.NodeStore nodes;
  private EventHub hub;
  private final Supplier<Map<String, Integer>> runningCounts;
  private HttpServer server;

  public ApiVerticle(OverseerConfig config, TaskService tasks, TokenService tokens, HealthRoutes health,
      ProfileControl profiles, KillService kills, EventStore events, Supplier<Map<String, Integer>> runningCounts,
      OverseerMetrics metrics, java.util.function.BooleanSupplier publishes, dev.overseer.store.NodeStore nodes) {
    this.metrics = metrics;
    this.publishes = publishes;
    this.nodes = nodes;
    this.config = config;
    this.tasks = tasks;
    this.tokens = tokens;
    this.health = health;
    this.profiles = profiles;
    this.kills = kills;
    this.events = events;
    this.runningCounts = runningCounts;
  }

  /** The port the server listens on (the chosen one when the config said 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    return Future.join(OpenAPIContract.from(vertx, CONTRACT), vertx.fileSystem().readFile(CONTRACT))
        .compose(loaded -> {
          Router router = setupRouter(loaded.resultAt(0), loaded.resultAt(1));
          server = vertx.createHttpServer(new HttpServerOptions()
              .setHost(config.http().host())
              .setPort(config.http().port())
              .setCompressionSupported(true)
              // browsers offer "overseer" beside "overseer.bearer.<token>"; the server picks the former
              .setWebSocketSubProtocols(java.util.List.of("overseer")));
          return server.requestHandler(router).listen().onSuccess(listening -> hub.start());
        });
  }

  @Override
  public Future<?> stop() {
    if (hub != null) hub.stop();
    return server == null ? Future.succeededFuture()
        : server.shutdown(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Router setupRouter(OpenAPIContract contract, Buffer contractText) {
    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
    // Vert.x orders body handling before authentication; the body limit bounds what an anonymous caller can send.
    builder.rootHandler(new BodyUnlessUpgrade(BodyHandler.create(false).setBodyLimit(config.http().bodyLimit())));
    builder.rootHandler(new Authentication(tokens, contract));
    new TaskRoutes(tasks, config.profiles()).mount(builder);
    new TokenRoutes(tokens).mount(builder);
    new KillRoutes(kills).mount(builder);
    new OverviewRoutes(metrics, nodes).mount(builder);
    hub = new EventHub(vertx, events, publishes);
    metrics.streamClients(hub::connections);
    new StreamRoutes(hub, events, config.stream()).mount(builder);
    new ProfileRoutes(config.profiles(), profiles, runningCounts).mount(builder);
    // The contract's bearer scheme is enforced by Authentication above, with roles, for every operation.
    builder.getRoutes().forEach(route -> route.setDoSecurity(false));
    builder.getRoute("getContract").addHandler(rc ->
        rc.response().putHeader("Content-Type", "application/yaml").end(contractText));

    Router router = builder.createRouter();
    health.mount(router);
    // the dashboard: static files from the resources, no CDN, no separate server
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false).setIndexPage("index.html"));
    router.route().failureHandler(Problems::handle);
    router.errorHandler(404, Problems::handle);
    router.errorHandler(405, Problems::handle);
    return router;
  }
}
