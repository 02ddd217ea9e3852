package dev.overseer.error;

import java.util.List;

/**
 * A request Overseer refuses, with the HTTP status that says why. Rendered as
 * {@code application/problem+json} by the API and as a {@code ReplyException} on the event bus.
 */
public final class Problem extends RuntimeException {
  private final int status;
  private final String title;
  private final List<FieldError> errors;

  public Problem(int status, String title, String detail, List<FieldError> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  /** One invalid field: a JSON pointer (or parameter name) and the reason. */
  public record FieldError(String field, String reason) {}

  public static Problem badRequest(String detail, List<FieldError> errors) {
    return new Problem(400, "Bad Request", detail, errors);
  }

  public static Problem invalidField(String field, String reason) {
    return new Problem(422, "Unprocessable Content", field + ": " + reason, List.of(new FieldError(field, reason)));
  }

  public static Problem unauthorized(String detail) {
    return new Problem(401, "Unauthorized", detail, List.of());
  }

  public static Problem forbidden(String detail) {
    return new Problem(403, "Forbidden", detail, List.of());
  }

  public static Problem notFound(String detail) {
    return new Problem(404, "Not Found", detail, List.of());
  }

  public static Problem conflict(String detail) {
    return new Problem(409, "Conflict", detail, List.of());
  }

  public static Problem preconditionFailed(String detail) {
    return new Problem(412, "Precondition Failed", detail, List.of());
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public List<FieldError> errors() {
    return errors;
  }
}
