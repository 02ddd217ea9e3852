package dev.overseer.store;

import org.slf4j.Logger;

/**
 * Logs the first failure of a recurring database task, and its recovery, but not every retry in
 * between: a PostgreSQL outage must not bury the log under one warning per poll.
 */
public final class QuietFailures {
  private final Logger log;
  private final String what;
  private volatile boolean failing;

  public QuietFailures(Logger log, String what) {
    this.log = log;
    this.what = what;
  }

  public void failed(Throwable cause) {
    if (!failing) {
      failing = true;
      log.warn("cannot {}: {} (retrying quietly until it works again)", what, cause.toString());
    } else {
      log.debug("still cannot {}: {}", what, cause.toString());
    }
  }

  public void succeeded() {
    if (failing) {
      failing = false;
      log.info("{}: working again", what);
    }
  }
}
