package dev.overseer.api;

import dev.overseer.auth.Role;
import dev.overseer.auth.TokenService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** HTTP handlers for {@code /api/v1/tokens} (admin only, as the contract says). */
final class TokenRoutes {
  private final TokenService tokens;

  TokenRoutes(TokenService tokens) {
    this.tokens = tokens;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("createToken").addHandler(this::create);
    builder.getRoute("listTokens").addHandler(this::list);
    builder.getRoute("revokeToken").addHandler(this::revoke);
  }

  private void create(RoutingContext rc) {
    JsonObject body = Http.body(rc);
    tokens.create(body.getString("name"), Role.fromWire(body.getString("role")), Authentication.principal(rc))
        .onSuccess(issued -> {
          rc.response().putHeader("Location", "/api/v1/tokens/" + issued.token().name());
          Http.json(rc, 201, Json.token(issued.token()).put("token", issued.value()));
        })
        .onFailure(rc::fail);
  }

  private void list(RoutingContext rc) {
    tokens.list().onSuccess(all -> {
      JsonArray items = new JsonArray();
      all.forEach(t -> items.add(Json.token(t)));
      Http.json(rc, 200, new JsonObject().put("items", items));
    }).onFailure(rc::fail);
  }

  private void revoke(RoutingContext rc) {
    String name = Http.validated(rc).getPathParameters().get("name").getString();
    tokens.revoke(name, Authentication.principal(rc))
        .onSuccess(token -> {
          rc.vertx().eventBus().publish(dev.overseer.bus.Addresses.TOKEN_REVOKED, name);
          Http.json(rc, 200, Json.token(token));
        })
        .onFailure(rc::fail);
  }
}
