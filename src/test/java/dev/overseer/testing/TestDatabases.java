package dev.overseer.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server of the test suite: {@code OVERSEER_TEST_DB_URL} when set, otherwise one embedded
 * server (real binaries) shared by the whole JVM. Each caller gets a fresh database of its own.
 * This shared server keeps the library's fast, non-durable settings: tests that crash something crash
 * Overseer, never this server. Overseer's own embedded server runs durable (see EmbeddedDatabaseIT).
 */
public final class TestDatabases {
  private static Server server;

  private TestDatabases() {}

  /** A new, empty database; returns its {@code postgresql://} URL. */
  public static synchronized String freshDatabase() {
    Server s = server();
    String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres"), s.user, s.password);
         Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
    }
    return s.url(name);
  }

  /** A JDBC connection to a database made by {@link #freshDatabase()}, for checks behind the API's back. */
  public static Connection connect(String url) throws Exception {
    Server s = server();
    String db = url.substring(url.lastIndexOf('/') + 1);
    return DriverManager.getConnection(s.jdbcUrl(db), s.user, s.password);
  }

  private static Server server() {
    if (server != null) return server;
    String given = System.getenv("OVERSEER_TEST_DB_URL");
    if (given != null && !given.isBlank()) {
      var options = io.vertx.pgclient.PgConnectOptions.fromUri(given);
      server = new Server(options.getHost(), options.getPort(), options.getUser(), options.getPassword());
      return server;
    }
    try {
      Path dir = Files.createTempDirectory("overseer-test-pg");
      EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true).start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (Exception ignored) {
          // the JVM is exiting
        }
      }));
      server = new Server("127.0.0.1", pg.getPort(), "postgres", "postgres");
      return server;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded test PostgreSQL", e);
    }
  }

  private record Server(String host, int port, String user, String password) {
    String jdbcUrl(String db) {
      return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    String url(String db) {
      return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + db;
    }
  }
}
