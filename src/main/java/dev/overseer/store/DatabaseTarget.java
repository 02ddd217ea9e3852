package dev.overseer.store;

import io.vertx.pgclient.PgConnectOptions;

/**
 * Where Overseer's PostgreSQL is: parsed once from a {@code postgresql://user:pass@host:port/db} URL and
 * handed both to Flyway (JDBC) and to the reactive pool.
 */
public record DatabaseTarget(String host, int port, String database, String user, String password) {

  public static DatabaseTarget fromUrl(String url) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    return new DatabaseTarget(options.getHost(), options.getPort(), options.getDatabase(), options.getUser(),
        options.getPassword());
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setDatabase(database)
        .setUser(user)
        .setPassword(password)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(64)
        // Overseer's queries are short and many: compiling one with LLVM (tens to hundreds of ms, on
        // servers built with JIT) costs more than running it ever could
        .addProperty("jit", "off")
        // A cached generic plan is made once, often while the tables are still small (a seq scan of
        // tasks looked cheap then and stayed in the plan as tasks grew to 100,000s of rows); a custom
        // plan sees today's statistics and the batch's real size, for a fraction of a millisecond
        .addProperty("plan_cache_mode", "force_custom_plan");
  }

  /** For logs: never the password. */
  public String describe() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
