package dev.overseer.task;

import dev.overseer.auth.Principal;
import dev.overseer.config.Durations;
import dev.overseer.config.ProfileConfig;
import dev.overseer.error.Problem;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns request bodies (already checked against the OpenAPI schema: types, ranges, unknown fields) into
 * model objects, checking what a schema cannot: that the profile exists, durations and times parse, and
 * the input fits its byte limit. Shared by the HTTP API and the event-bus API.
 */
public final class TaskRequests {
  public static final int MAX_INPUT_BYTES = 256 * 1024;
  public static final Duration MAX_TIMEOUT = Duration.ofDays(7);
  private static final int EARLIEST_YEAR = 1970;
  private static final int LATEST_YEAR = 9999;

  private TaskRequests() {}

  /** @param pointer the JSON pointer of this body in the request ("" alone, "/tasks/3" in a batch) */
  public static NewTask create(JsonObject body, String pointer, Principal actor, Map<String, ProfileConfig> profiles,
      String idempotencyKey) {
    Text.requireNoNul(body, pointer);
    String profileName = body.getString("profile");
    ProfileConfig profile = profiles.get(profileName);
    if (profile == null) {
      throw Problem.invalidField(pointer + "/profile", "no profile named '" + profileName + "' is configured");
    }
    JsonObject input = body.getJsonObject("input", new JsonObject());
    if (input.toBuffer().length() > MAX_INPUT_BYTES) {
      throw Problem.invalidField(pointer + "/input", "larger than " + MAX_INPUT_BYTES + " bytes as JSON");
    }
    Duration timeout = body.containsKey("timeout")
        ? timeout(body.getString("timeout"), pointer + "/timeout")
        : profile.settings().timeout();
    return new NewTask(
        Uuids.v7(),
        body.getString("name"),
        profileName,
        body.getInteger("priority", 0),
        input,
        body.getInteger("maxAttempts", profile.settings().maxAttempts()),
        timeout,
        time(body.getString("runAt"), pointer + "/runAt"),
        labels(body.getJsonObject("labels")),
        actor.name(),
        idempotencyKey,
        idempotencyKey == null ? null : requestHash(body));
  }

  public static TaskPatch patch(JsonObject body, Integer expectedVersion) {
    Text.requireNoNul(body, "");
    if (body.isEmpty()) {
      throw Problem.invalidField("/", "name at least one of name, priority, labels, runAt");
    }
    return new TaskPatch(
        body.getString("name"),
        body.getInteger("priority"),
        body.containsKey("labels") ? labels(body.getJsonObject("labels")) : null,
        body.containsKey("runAt"),
        time(body.getString("runAt"), "/runAt"),
        expectedVersion,
        body);
  }

  /** The fingerprint that tells a replay of an idempotent create from a different body with the same key. */
  public static String requestHash(JsonObject body) {
    return dev.overseer.auth.TokenValues.sha256(CanonicalJson.encode(body));
  }

  private static Duration timeout(String text, String field) {
    Duration timeout;
    try {
      timeout = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidField(field, e.getMessage());
    }
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw Problem.invalidField(field, "must be between 1s and 7d");
    }
    return timeout;
  }

  private static OffsetDateTime time(String text, String field) {
    if (text == null) return null;
    OffsetDateTime time;
    try {
      time = OffsetDateTime.parse(text);
    } catch (DateTimeParseException e) {
      throw Problem.invalidField(field, "not an RFC 3339 time such as 2026-01-31T12:00:00Z");
    }
    if (time.getYear() < EARLIEST_YEAR || time.getYear() > LATEST_YEAR) {
      throw Problem.invalidField(field, "must be a time between the years " + EARLIEST_YEAR + " and " + LATEST_YEAR);
    }
    return time;
  }

  private static Map<String, String> labels(JsonObject json) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (json != null) json.forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
    return labels;
  }

}
