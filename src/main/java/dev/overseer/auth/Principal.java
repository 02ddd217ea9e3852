package dev.overseer.auth;

/** Who makes a request: the token's name (recorded as the actor of every event) and its role. */
public record Principal(String name, Role role) {
  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** Operators act on the tasks they created; admins on all. */
  public boolean mayChangeTaskOf(String createdBy) {
    return isAdmin() || (role == Role.OPERATOR && name.equals(createdBy));
  }
}
