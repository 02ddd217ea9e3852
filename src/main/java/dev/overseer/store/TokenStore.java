package dev.overseer.store;

import dev.overseer.auth.ApiToken;
import dev.overseer.auth.Role;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** API tokens in PostgreSQL, by name or by the SHA-256 of their value. */
public final class TokenStore {
  private final Pool pool;

  public TokenStore(Pool pool) {
    this.pool = pool;
  }

  /** Empty when the name is taken (also by a revoked token, whose name stays for the audit). */
  public Future<Optional<ApiToken>> insert(String name, Role role, String hash, String createdBy) {
    return pool.preparedQuery(SqlQueries.get("TokenInsert"))
        .execute(Tuple.of(name, role.wireName(), hash, createdBy))
        .map(TokenStore::first);
  }

  /** Creates the first admin token when there is no token at all; empty otherwise. Safe with many nodes. */
  public Future<Optional<ApiToken>> bootstrapAdmin(String hash) {
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.get("TokenBootstrapLock")).execute()
        .compose(locked -> conn.preparedQuery(SqlQueries.get("TokenBootstrapAdmin")).execute(Tuple.of(hash)))
        .map(TokenStore::first));
  }

  public Future<Optional<ApiToken>> byHash(String hash) {
    return pool.preparedQuery(SqlQueries.get("TokenByHash")).execute(Tuple.of(hash)).map(TokenStore::first);
  }

  public Future<Optional<ApiToken>> get(String name) {
    return pool.preparedQuery(SqlQueries.get("TokenGet")).execute(Tuple.of(name)).map(TokenStore::first);
  }

  public Future<Void> touch(String name) {
    return pool.preparedQuery(SqlQueries.get("TokenTouch")).execute(Tuple.of(name)).mapEmpty();
  }

  public Future<List<ApiToken>> list() {
    return pool.preparedQuery(SqlQueries.get("TokenList")).execute().map(rows -> {
      List<ApiToken> tokens = new ArrayList<>();
      for (Row row : rows) tokens.add(token(row));
      return tokens;
    });
  }

  /** Empty when there is no such token or it was already revoked. */
  public Future<Optional<ApiToken>> revoke(String name, String actor) {
    return pool.preparedQuery(SqlQueries.get("TokenRevoke"))
        .execute(Tuple.of(name, actor))
        .map(TokenStore::first);
  }

  private static Optional<ApiToken> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(token(it.next())) : Optional.empty();
  }

  private static ApiToken token(Row row) {
    return new ApiToken(
        row.getString("name"),
        Role.fromWire(row.getString("role")),
        row.getOffsetDateTime("created_at"),
        row.getString("created_by"),
        row.getOffsetDateTime("revoked_at"),
        row.getOffsetDateTime("last_used_at"));
  }
}
