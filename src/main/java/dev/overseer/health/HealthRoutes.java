package dev.overseer.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: 200 only when PostgreSQL answers, the
 * migrations this build needs are applied, the dispatcher and the supervisor run, and no event loop is
 * blocked; otherwise 503 naming the failing check. {@code /metrics}: Prometheus. None needs a token;
 * none shows a secret.
 */
public final class HealthRoutes {
  /** A loop that ran nothing for this long is blocked, as far as readiness goes. */
  static final long BLOCKED_LOOP_MILLIS = 2000;

  private final HealthChecks checks;
  private final PrometheusMeterRegistry registry;

  /** What the probe reads from the rest of Overseer. */
  public record Probes(String expectedSchemaVersion, LongSupplier lastSupervisorCheck, LongSupplier lastClaimRound,
      long dispatchPollMillis, AtomicLong worstRecentLoopLag) {}

  public HealthRoutes(Vertx vertx, Pool pool, PrometheusMeterRegistry registry, Probes probes) {
    this.registry = registry;
    this.checks = HealthChecks.create(vertx);
    checks.register("database", promise -> pool.query("SELECT 1").execute()
        .onSuccess(rows -> promise.tryComplete(Status.OK()))
        .onFailure(e -> promise.tryComplete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    checks.register("migrations", promise -> pool.query(
            "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1").execute()
        .onSuccess(rows -> {
          String applied = rows.iterator().hasNext() ? rows.iterator().next().getString("version") : null;
          promise.tryComplete(probes.expectedSchemaVersion().equals(applied) ? Status.OK()
              : Status.KO(new JsonObject().put("applied", applied).put("expected", probes.expectedSchemaVersion())));
        })
        .onFailure(e -> promise.tryComplete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    checks.register("supervisor", promise -> fresh(promise, probes.lastSupervisorCheck().getAsLong(), 5000));
    checks.register("dispatcher", promise -> fresh(promise, probes.lastClaimRound().getAsLong(),
        Math.max(5000, probes.dispatchPollMillis() * 5)));
    checks.register("event-loops", promise -> {
      long lag = probes.worstRecentLoopLag().getAndSet(0); // the worst since the previous probe
      promise.tryComplete(lag < BLOCKED_LOOP_MILLIS ? Status.OK()
          : Status.KO(new JsonObject().put("worstLagMillis", lag)));
    });
  }

  private static void fresh(Promise<Status> promise, long lastMillis, long maxAgeMillis) {
    long age = System.currentTimeMillis() - lastMillis;
    promise.tryComplete(lastMillis > 0 && age <= maxAgeMillis ? Status.OK()
        : Status.KO(new JsonObject().put("lastRunMillisAgo", lastMillis == 0 ? null : age)));
  }

  public void mount(Router router) {
    router.get("/health/live").handler(rc -> rc.response()
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").encode()));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(checks));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
  }
}
