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
    String header = rc.request().getHeader("Authorization");
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      rc.fail(Problem.unauthorized("send Authorization: Bearer <token>"));
      return;
    }
    String value = header.substring(BEARER.length()).trim();
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
