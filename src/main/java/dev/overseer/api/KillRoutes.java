package dev.overseer.api;

import dev.overseer.config.Durations;
import dev.overseer.error.Problem;
import dev.overseer.kill.KillReceipt;
import dev.overseer.kill.KillService;
import dev.overseer.task.Text;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** HTTP handlers for kills, kill-all and the dispatch switch. */
final class KillRoutes {
  private final KillService kills;

  KillRoutes(KillService kills) {
    this.kills = kills;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("killTask").addHandler(this::kill);
    builder.getRoute("getKill").addHandler(this::receipt);
    builder.getRoute("killAll").addHandler(this::killAll);
    builder.getRoute("getDispatch").addHandler(this::dispatchState);
    builder.getRoute("pauseDispatch").addHandler(rc -> switchDispatch(rc, true));
    builder.getRoute("resumeDispatch").addHandler(rc -> switchDispatch(rc, false));
  }

  private void kill(RoutingContext rc) {
    JsonObject body = Http.body(rc);
    Text.requireNoNul(body, "");
    RequestParameter waitParam = Http.query(rc, "wait");
    boolean wait = waitParam == null || waitParam.getBoolean();
    Duration grace = body.containsKey("grace") ? grace(body.getString("grace")) : null;
    String location = "/api/v1/tasks/" + Http.taskId(rc) + "/kill";
    kills.kill(Http.taskId(rc), body.getString("reason"), grace, Authentication.principal(rc), wait)
        .onSuccess(receipt -> {
          rc.response().putHeader("Location", location);
          Http.json(rc, receipt.done() ? 200 : 202, receiptJson(receipt).put("receiptUrl", location));
        })
        .onFailure(rc::fail);
  }

  private void receipt(RoutingContext rc) {
    kills.latest(Http.taskId(rc)).onSuccess(receipt -> Http.json(rc, 200, receiptJson(receipt))).onFailure(rc::fail);
  }

  private void killAll(RoutingContext rc) {
    JsonObject body = Http.body(rc);
    Text.requireNoNul(body, "");
    Map<String, String> labels = new LinkedHashMap<>();
    JsonObject labelJson = body.getJsonObject("labels");
    if (labelJson != null) labelJson.forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
    kills.killAll(body.getString("reason"), body.getString("profile"), labels, body.getBoolean("pauseDispatch", false),
            Authentication.principal(rc))
        .map(result -> {
          JsonArray receipts = new JsonArray();
          result.receipts().forEach(r -> receipts.add(receiptJson(r)));
          return new JsonObject().put("total", result.total()).put("killed", result.killed())
              .put("alreadyFinished", result.alreadyFinished()).put("failed", result.failed()).put("receipts", receipts);
        })
        .onSuccess(json -> Http.json(rc, 200, json))
        .onFailure(rc::fail);
  }

  private void dispatchState(RoutingContext rc) {
    kills.dispatchPaused().onSuccess(paused -> Http.json(rc, 200, new JsonObject().put("paused", paused))).onFailure(rc::fail);
  }

  private void switchDispatch(RoutingContext rc, boolean pause) {
    JsonObject body = Http.body(rc);
    Text.requireNoNul(body, "");
    var done = pause ? kills.pauseDispatch(body.getString("reason"), Authentication.principal(rc))
        : kills.resumeDispatch(body.getString("reason"), Authentication.principal(rc));
    done.onSuccess(v -> Http.json(rc, 200, new JsonObject().put("paused", pause))).onFailure(rc::fail);
  }

  private Duration grace(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField("/grace", e.getMessage());
    }
  }

  static JsonObject receiptJson(KillReceipt r) {
    return new JsonObject()
        .put("taskId", r.taskId().toString())
        .put("attempt", r.attempt())
        .put("requestedBy", r.requestedBy())
        .put("reason", r.reason())
        .put("grace", Durations.format(Duration.ofMillis(r.graceMillis())))
        .put("priorState", r.priorState())
        .put("requestedAt", Json.time(r.requestedAt()))
        .put("signalledAt", Json.time(r.signalledAt()))
        .put("forced", r.forced())
        .put("stoppedAt", Json.time(r.stoppedAt()))
        .put("outcome", r.outcome())
        .put("endsAs", r.endsAs());
  }
}
