package dev.overseer.api;

import dev.overseer.auth.Principal;
import dev.overseer.auth.Role;
import dev.overseer.auth.TokenService;
import dev.overseer.error.Problem;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;

/**
 * Runs first on every {@code /api} request: resolves the bearer token to a {@link Principal} and checks
 * the role the contract demands ({@code x-overseer-role} on the operation) before the body is validated,
 * so an unauthorized caller learns nothing about what a valid request looks like.
 */
final class Authentication implements AuthenticationHandler {
  static final String PRINCIPAL = "overseer.principal";
  private static final String BEARER = "bearer ";
  static final String SUBPROTOCOL_PREFIX = "overseer.bearer.";
  private static final java.util.Set<String> STREAMS = java.util.Set.of("/api/v1/stream", "/api/v1/events/stream");

  private final TokenService tokens;
  private final OpenAPIContract contract;

  Authentication(TokenService tokens, OpenAPIContract contract) {
    this.tokens = tokens;
    this.contract = contract;
  }

  static Principal principal(RoutingContext rc) {
    return rc.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext rc) {
    String path = rc.request().path();
    if (!isCanonical(path, rc.normalizedPath())) {
      // The router would match a normalized spelling (//, %xx, ../, a trailing slash) that the checks
      // below would not recognize: refuse it instead of guessing, so no spelling slips past them.
      rc.fail(Problem.notFound("no such resource: " + path + " (paths are matched exactly as documented)"));
      return;
    }
    if (!path.startsWith("/api/")) {
      rc.next();
      return;
    }
    String value = token(rc);
    if (value == null) {
      rc.fail(Problem.unauthorized("send Authorization: Bearer <token>"));
      return;
    }
    if (value.isEmpty() || value.length() > 512) {
      rc.fail(Problem.unauthorized("malformed bearer token"));
      return;
    }
    tokens.authenticate(value).onSuccess(principal -> {
      rc.put(PRINCIPAL, principal);
      Role required = requiredRole(rc);
      if (required != null && !principal.role().atLeast(required)) {
        rc.fail(Problem.forbidden("this needs the " + required.wireName() + " role; token '" + principal.name()
            + "' is " + principal.role().wireName()));
        return;
      }
      rc.next();
    }).onFailure(rc::fail);
  }

  /**
   * The bearer token: the Authorization header; for the two streams also the {@code access_token} query
   * parameter or a WebSocket subprotocol {@code overseer.bearer.<token>}, since browsers cannot send headers there.
   */
  private static String token(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (header != null && header.length() > BEARER.length() && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return header.substring(BEARER.length()).trim();
    }
    if (!STREAMS.contains(rc.request().path())) return null;
    String query = rc.request().getParam("access_token");
    if (query != null) return query;
    String protocols = rc.request().getHeader("Sec-WebSocket-Protocol");
    if (protocols != null) {
      for (String protocol : protocols.split(",")) {
        if (protocol.trim().startsWith(SUBPROTOCOL_PREFIX)) return protocol.trim().substring(SUBPROTOCOL_PREFIX.length());
      }
    }
    return null;
  }

  static boolean isCanonical(String raw, String normalized) {
    return raw.equals(normalized) && !raw.contains("//") && (raw.length() == 1 || !raw.endsWith("/"))
        && raw.indexOf('%') < 0;
  }

  private Role requiredRole(RoutingContext rc) {
    Operation operation = contract.findOperation(rc.request().path(), rc.request().method());
    if (operation == null) return null;
    Object role = operation.getExtensions().get("x-overseer-role");
    return role == null ? Role.ADMIN : Role.fromWire(role.toString());
  }
}
