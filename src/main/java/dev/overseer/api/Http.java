package dev.overseer.api;

import dev.overseer.error.Problem;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.UUID;

/** Small helpers shared by the route classes: validated parameters in, JSON out. */
final class Http {
  static final String JSON = "application/json";

  private Http() {}

  static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  static JsonObject body(RoutingContext rc) {
    RequestParameter body = validated(rc).getBody();
    return body == null || body.isNull() ? new JsonObject() : body.getJsonObject();
  }

  static RequestParameter query(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getQuery().get(name);
    return p == null || p.isNull() ? null : p;
  }

  static String header(RoutingContext rc, String name) {
    // the validator keeps header names as the contract spells them
    RequestParameter p = validated(rc).getHeaders().get(name);
    return p == null || p.isNull() ? null : p.getString();
  }

  static UUID taskId(RoutingContext rc) {
    try {
      return UUID.fromString(validated(rc).getPathParameters().get("id").getString());
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("malformed task id", java.util.List.of(new Problem.FieldError("id", "not a UUID")));
    }
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    String text;
    try {
      text = body.encode();
    } catch (RuntimeException e) {
      rc.fail(e); // never leave a request without an answer
      return;
    }
    rc.response().setStatusCode(status).putHeader("Content-Type", JSON).end(text);
  }
}
