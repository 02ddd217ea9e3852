package dev.overseer.api;

import dev.overseer.error.Problem;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of the HTTP API: every refusal becomes {@code application/problem+json}.
 * A client's mistake gets its 4xx; only a fault of Overseer's own is a 500, and it is logged.
 */
final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);
  static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://overseer.dev/problems/";
  /** PostgreSQL's "unsupported Unicode escape" (jsonb) and "invalid byte sequence" (text): a NUL character. */
  private static final java.util.Set<String> UNSTORABLE_TEXT = java.util.Set.of("22P05", "22021");
  private static final Pattern GENERIC = Pattern.compile(
      "A subschema had errors|Items did not match schema|Property .* does not match (additional properties )?schema");
  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");
  private static final Pattern PARAMETER = Pattern.compile("(?:path|query|header|cookie) parameter (\\S+)");

  private Problems() {}

  static void handle(RoutingContext rc) {
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    Problem problem = toProblem(rc);
    if (problem.status() == 500) {
      log.error("{} {} failed", rc.request().method(), rc.request().path(), rc.failure());
    }
    render(rc, problem);
  }

  static void render(RoutingContext rc, Problem problem) {
    JsonObject body = new JsonObject()
        .put("type", TYPE_BASE + problem.status())
        .put("title", problem.title())
        .put("status", problem.status())
        .put("detail", problem.detail());
    if (!problem.errors().isEmpty()) {
      JsonArray errors = new JsonArray();
      problem.errors().forEach(e -> errors.add(new JsonObject().put("field", e.field()).put("reason", e.reason())));
      body.put("errors", errors);
    }
    if (problem.status() == 401) rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"overseer\"");
    rc.response().setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  private static Problem toProblem(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof HttpException http && http.getCause() != null) failure = http.getCause();
    if (failure instanceof Problem problem) return problem;
    if (failure instanceof SchemaValidationException invalid) return schemaProblem(invalid);
    if (failure instanceof ValidatorException invalid) return validatorProblem(invalid);
    if (failure instanceof io.vertx.pgclient.PgException pg && UNSTORABLE_TEXT.contains(pg.getSqlState())) {
      // a safety net: requests are checked for NUL characters before they reach the database
      return new Problem(422, "Unprocessable Content", "text must not contain NUL (\\u0000) characters", List.of());
    }
    if (isDatabaseUnreachable(failure)) {
      return new Problem(503, "Service Unavailable", "the database cannot be reached right now; try again shortly",
          List.of());
    }
    if (failure instanceof DecodeException || (failure != null && failure.getCause() instanceof DecodeException)) {
      return Problem.badRequest("the body is not valid JSON", List.of());
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : rc.statusCode();
    return switch (status) {
      case 400 -> Problem.badRequest(failure == null ? "bad request" : String.valueOf(failure.getMessage()), List.of());
      case 401 -> Problem.unauthorized("a bearer token is required");
      case 404 -> Problem.notFound("no such resource: " + rc.request().path());
      case 405 -> new Problem(405, "Method Not Allowed", rc.request().method() + " is not allowed on " + rc.request().path(), List.of());
      case 413 -> new Problem(413, "Content Too Large", "the body is larger than the configured http.bodyLimit", List.of());
      case 415 -> new Problem(415, "Unsupported Media Type", "send the body as application/json", List.of());
      default -> status >= 400 && status < 500
          ? new Problem(status, "Client Error", String.valueOf(failure == null ? status : failure.getMessage()), List.of())
          : new Problem(500, "Internal Server Error", "Overseer failed to handle this request; the log says why", List.of());
    };
  }

  /** Not the client's fault, and not a bug: PostgreSQL is away (a failover, a restart). */
  private static boolean isDatabaseUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof io.vertx.sqlclient.ClosedConnectionException
          || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
        return true;
      }
    }
    return false;
  }

  private static Problem schemaProblem(SchemaValidationException invalid) {
    String parameter = parameterName(invalid.getMessage());
    Map<String, List<String>> byField = new LinkedHashMap<>();
    collect(invalid.getOutputUnit(), parameter, byField);
    List<Problem.FieldError> errors = new ArrayList<>();
    byField.forEach((field, reasons) -> mostSpecific(field, reasons, byField.keySet())
        .forEach(reason -> errors.add(new Problem.FieldError(field, reason))));
    if (errors.isEmpty()) errors.add(new Problem.FieldError(parameter == null ? "/" : parameter, invalid.getMessage()));
    String where = parameter == null ? "the request body" : "parameter " + parameter;
    String detail = where + " is invalid: " + String.join("; ",
        errors.stream().map(e -> e.field() + ": " + e.reason()).toList());
    return Problem.badRequest(detail, errors);
  }

  /**
   * The validator also reports every enclosing schema ("A subschema had errors"). Keep the reasons that
   * say what is wrong; an enclosing field whose children have errors adds nothing; an otherwise silent
   * "additional properties" failure means the field is not in the contract.
   */
  private static List<String> mostSpecific(String field, List<String> reasons, java.util.Set<String> allFields) {
    List<String> specific = reasons.stream().filter(r -> !GENERIC.matcher(r).matches()).toList();
    if (!specific.isEmpty()) return specific;
    boolean childHasErrors = allFields.stream().anyMatch(other -> other.startsWith(field.endsWith("/") ? field : field + "/"));
    if (childHasErrors) return List.of();
    if (reasons.stream().anyMatch(r -> r.endsWith("does not match additional properties schema"))) {
      return List.of("unknown field");
    }
    return reasons;
  }

  private static void collect(OutputUnit unit, String parameter, Map<String, List<String>> into) {
    if (unit == null) return;
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      unit.getErrors().forEach(child -> collect(child, parameter, into));
    } else if (unit.getError() != null) {
      String pointer = URLDecoder.decode(String.valueOf(unit.getInstanceLocation()).replaceFirst("^#", ""),
          StandardCharsets.UTF_8);
      Matcher missing = REQUIRED.matcher(unit.getError());
      if (missing.find()) pointer = pointer + "/" + missing.group(1); // name the missing field, not its parent
      String field = parameter != null ? parameter + pointer : (pointer.isEmpty() ? "/" : pointer);
      List<String> reasons = into.computeIfAbsent(field, f -> new ArrayList<>());
      if (!reasons.contains(unit.getError())) reasons.add(unit.getError());
    }
  }

  /** "The value of query parameter limit is invalid" names the parameter; a body error names none. */
  private static String parameterName(String message) {
    Matcher m = PARAMETER.matcher(String.valueOf(message));
    return m.find() ? m.group(1) : null;
  }

  private static Problem validatorProblem(ValidatorException invalid) {
    String message = invalid.getMessage();
    if (message != null && message.contains("format of the request body is not supported")) {
      return new Problem(415, "Unsupported Media Type", message, List.of());
    }
    return Problem.badRequest(message, List.of());
  }
}
