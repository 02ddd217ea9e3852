package dev.overseer.agent;

import dev.overseer.config.ProfileConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.UUID;

/** Everything an agent needs to run one attempt of a task. */
public record AttemptSpec(
    UUID taskId,
    int attempt,
    JsonObject input,
    ProfileConfig profile,
    Path dataDir) {

  public String key() {
    return taskId + "/" + attempt;
  }
}
