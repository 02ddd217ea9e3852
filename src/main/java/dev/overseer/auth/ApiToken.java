package dev.overseer.auth;

import java.time.OffsetDateTime;

/** A stored token: never its value, only who it is and what it may do. */
public record ApiToken(
    String name,
    Role role,
    OffsetDateTime createdAt,
    String createdBy,
    OffsetDateTime revokedAt,
    OffsetDateTime lastUsedAt) {

  public boolean revoked() {
    return revokedAt != null;
  }
}
