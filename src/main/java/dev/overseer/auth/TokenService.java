package dev.overseer.auth;

import dev.overseer.error.Problem;
import dev.overseer.store.TokenStore;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Issues, checks and revokes API tokens. A revocation takes effect at the next request. */
public final class TokenService {
  private static final Logger log = LoggerFactory.getLogger(TokenService.class);
  /** last_used_at is refreshed at most this often, so reads do not turn into a write per request. */
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private final TokenStore store;

  public TokenService(TokenStore store) {
    this.store = store;
  }

  /** The principal behind a bearer token value; fails with 401 for an unknown or revoked token. */
  public Future<Principal> authenticate(String value) {
    return store.byHash(TokenValues.sha256(value)).map(found -> {
      ApiToken token = found.orElseThrow(() -> Problem.unauthorized("unknown token"));
      if (token.revoked()) throw Problem.unauthorized("token revoked");
      if (token.lastUsedAt() == null || token.lastUsedAt().isBefore(OffsetDateTime.now().minus(TOUCH_EVERY))) {
        store.touch(token.name()).onFailure(e -> log.warn("cannot record use of token {}: {}", token.name(), e.getMessage()));
      }
      return new Principal(token.name(), token.role());
    });
  }

  /** A new token; the value is returned this once and never stored. */
  public Future<IssuedToken> create(String name, Role role, Principal actor) {
    String value = TokenValues.generate();
    return store.insert(name, role, TokenValues.sha256(value), actor.name()).map(created -> new IssuedToken(
        created.orElseThrow(() -> Problem.conflict("a token named '" + name + "' exists (revoked names stay taken)")),
        value));
  }

  public Future<List<ApiToken>> list() {
    return store.list();
  }

  public Future<ApiToken> revoke(String name, Principal actor) {
    return store.revoke(name, actor.name()).compose(revoked -> revoked.isPresent()
        ? Future.succeededFuture(revoked.get())
        : store.get(name).map(existing -> {
          throw existing.isPresent()
              ? Problem.conflict("token '" + name + "' is already revoked")
              : Problem.notFound("no token named '" + name + "'");
        }));
  }

  /**
   * On a database without any token, creates the admin token: {@code presetValue} when given
   * (OVERSEER_ADMIN_TOKEN), otherwise a random one. Returns the value only when it was generated here.
   */
  public Future<Optional<String>> bootstrapAdmin(String presetValue) {
    String value = presetValue != null && !presetValue.isBlank() ? presetValue : TokenValues.generate();
    return store.bootstrapAdmin(TokenValues.sha256(value)).map(created -> {
      if (created.isEmpty()) return Optional.<String>empty();
      log.info("created the admin token (first start on an empty database)");
      return presetValue != null && !presetValue.isBlank() ? Optional.<String>empty() : Optional.of(value);
    });
  }

  /** A token just created, with its value. */
  public record IssuedToken(ApiToken token, String value) {}
}
