package dev.overseer.auth;

import java.util.Locale;

/** Roles in increasing power: each one may do everything the ones before it may. */
public enum Role {
  /** Reads everything. */
  VIEWER,
  /** A viewer who also creates tasks and changes, retries and kills the tasks it created. */
  OPERATOR,
  /** Everything: tokens, kill-all, dispatch control and every task. */
  ADMIN;

  public boolean atLeast(Role required) {
    return compareTo(required) >= 0;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
