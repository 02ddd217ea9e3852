package dev.overseer.health;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.sqlclient.Pool;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: 200 only when every registered check
 * passes, 503 naming the failing one otherwise. Neither needs a token; neither shows a secret.
 */
public final class HealthRoutes {
  private final HealthChecks checks;

  public HealthRoutes(Vertx vertx, Pool pool) {
    this.checks = HealthChecks.create(vertx);
    checks.register("database", promise -> pool.query("SELECT 1").execute()
        .onSuccess(rows -> promise.tryComplete(Status.OK()))
        .onFailure(e -> promise.tryComplete(Status.KO(new JsonObject().put("error", e.getMessage())))));
  }

  public HealthChecks checks() {
    return checks;
  }

  public void mount(Router router) {
    router.get("/health/live").handler(rc -> rc.response()
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").encode()));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(checks));
  }
}
