package dev.overseer.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run by Overseer itself, with its data under {@code <dataDir>/postgres} so
 * that it survives restarts. Blocking: call from the main thread or a worker, never an event loop.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String DATABASE = "overseer";

  private final EmbeddedPostgres postgres;
  private final DatabaseTarget target;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
    this.target = new DatabaseTarget("127.0.0.1", postgres.getPort(), DATABASE, "postgres", "postgres");
  }

  public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
    Path pgData = dataDir.toAbsolutePath().resolve("postgres");
    Files.createDirectories(pgData.getParent());
    stopOrphanedServer(pgData);
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(pgData)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("listen_addresses", "127.0.0.1")
        // The library defaults to fsync and synchronous_commit off (it is built for throwaway test
        // databases). Overseer's promise is that a committed task survives a crash: turn both back on.
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_connections", "200")
        .start();
    EmbeddedDatabase db = new EmbeddedDatabase(postgres);
    db.createDatabaseIfMissing(postgres.getPostgresDatabase());
    log.info("embedded PostgreSQL listening on 127.0.0.1:{} with data in {}", postgres.getPort(), pgData);
    return db;
  }

  /** The server's pid, from its lock file; a crash of Overseer leaves this process running. */
  public static Optional<Long> runningPid(Path dataDir) throws IOException {
    Path pidFile = dataDir.toAbsolutePath().resolve("postgres").resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) return Optional.empty();
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) return Optional.empty();
    return Optional.of(Long.parseLong(lines.get(0).trim()));
  }

  public DatabaseTarget target() {
    return target;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  private void createDatabaseIfMissing(DataSource admin) throws IOException {
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        if (rs.next()) return;
      }
      s.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IOException("cannot create database " + DATABASE + ": " + e.getMessage(), e);
    }
  }

  /**
   * After a kill -9 of Overseer its PostgreSQL child keeps running and holds the data directory. Stop it
   * (fast shutdown: SIGINT) so this start can take over; a pid that is not a postgres process is left alone.
   */
  private static void stopOrphanedServer(Path pgData) throws IOException {
    Optional<Long> running = runningPid(pgData.getParent());
    if (running.isEmpty()) return;
    long pid = running.get();
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) return;
    String command = handle.get().info().command().orElse("");
    if (!command.endsWith("postgres")) return;
    log.warn("stopping PostgreSQL pid {} left running by a previous Overseer on {}", pid, pgData);
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      handle.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("cannot stop the orphaned PostgreSQL pid " + pid + ": " + e.getMessage(), e);
    }
  }
}
