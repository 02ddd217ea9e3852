package dev.overseer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Task steps the execution tests share: create one, wait for a state, read its history. */
public final class Tasks {
  public static final Duration DEADLINE = Duration.ofSeconds(60);

  private Tasks() {}

  public static JsonObject create(ApiClient client, String profile, JsonObject input) {
    ApiClient.Response r = client.post("/api/v1/tasks",
        new JsonObject().put("name", profile + " task").put("profile", profile).put("input", input));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  public static JsonObject awaitState(ApiClient client, JsonObject task, String state) {
    return Await.until("task " + task.getString("id") + " to be " + state, DEADLINE,
        () -> client.get("/api/v1/tasks/" + task.getString("id")).json(),
        t -> t.getString("state").equals(state));
  }

  /**
   * Waits until the running task's agent has reported progress: it is past its start-up (a script's
   * signal traps are set) and talks to Overseer. Being claimed ("running") says neither.
   */
  public static JsonObject awaitProgress(ApiClient client, JsonObject task) {
    return Await.until("task " + task.getString("id") + " to report progress", DEADLINE,
        () -> client.get("/api/v1/tasks/" + task.getString("id")).json(),
        t -> t.getString("state").equals("running") && t.getJsonObject("progress").getValue("percent") != null);
  }

  public static List<JsonObject> events(ApiClient client, JsonObject task) {
    List<JsonObject> out = new ArrayList<>();
    client.get("/api/v1/tasks/" + task.getString("id") + "/events").items().forEach(e -> out.add((JsonObject) e));
    return out;
  }

  public static List<String> eventTypes(ApiClient client, JsonObject task) {
    return events(client, task).stream().map(e -> e.getString("type")).toList();
  }
}
