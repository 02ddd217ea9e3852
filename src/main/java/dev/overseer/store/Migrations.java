package dev.overseer.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the Flyway migrations in {@code db/migration}. Blocking (JDBC): run it off the event loop. */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  public static MigrateResult apply(DatabaseTarget target) {
    Flyway flyway = Flyway.configure()
        .dataSource(target.jdbcUrl(), target.user(), target.password())
        .locations("classpath:db/migration")
        .connectRetries(10)
        .load();
    MigrateResult result = flyway.migrate();
    log.info("database schema at version {} ({} migrations applied now)",
        flyway.info().current().getVersion(), result.migrationsExecuted);
    return result;
  }
}
