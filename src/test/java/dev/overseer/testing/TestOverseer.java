package dev.overseer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.Overseer;
import dev.overseer.config.ConfigLoader;
import dev.overseer.config.OverseerConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real Overseer for a test: its own fresh database on the suite's PostgreSQL, any free port, and a
 * known admin token. Closing it stops the service and fails the test if an event loop was blocked.
 */
public final class TestOverseer implements AutoCloseable {
  public static final String ADMIN_TOKEN = "ovs_test_admin_token";

  private Overseer overseer;
  private final String dbUrl;
  private final OverseerConfig config;
  private final Map<String, String> env;
  private final int blockedMark = BlockedThreadWarnings.mark();
  public final ApiClient admin;

  private TestOverseer(Overseer overseer, String dbUrl, OverseerConfig config, Map<String, String> env) {
    this.overseer = overseer;
    this.dbUrl = dbUrl;
    this.config = config;
    this.env = env;
    this.admin = new ApiClient(overseer.baseUrl(), ADMIN_TOKEN);
  }

  /** Starts with the built-in defaults plus {@code yaml} (may be empty). */
  public static TestOverseer start(String yaml) throws Exception {
    return startOn(TestDatabases.freshDatabase(), yaml);
  }

  /** Starts on the database at {@code url} (for tests that own their PostgreSQL server). */
  public static TestOverseer startOn(String url, String yaml) throws Exception {
    Path dataDir = Files.createTempDirectory("overseer-test-data");
    Map<String, Object> tree = ConfigLoader.parseYaml(yaml == null ? "" : yaml, "test config");
    Map<String, String> env = new HashMap<>();
    env.put("OVERSEER_HTTP_PORT", "0");
    env.put("OVERSEER_DB_URL", url);
    env.put("OVERSEER_DATA_DIR", dataDir.toString());
    env.put("OVERSEER_ADMIN_TOKEN", ADMIN_TOKEN);
    OverseerConfig config = ConfigLoader.fromTree(tree, env);
    return new TestOverseer(Overseer.start(config, env), url, config, env);
  }

  public static TestOverseer start() throws Exception {
    return start("");
  }

  /** Stops the service cleanly and starts it again on the same database and data directory. */
  public void restart() throws Exception {
    overseer.stop();
    overseer = Overseer.start(config, env);
    admin.retarget(overseer.baseUrl());
  }

  public ApiClient client(String token) {
    return new ApiClient(overseer.baseUrl(), token);
  }

  /** The service's Vert.x, for tests that listen on its event bus. */
  public io.vertx.core.Vertx vertx() {
    return overseer.vertx();
  }

  public String baseUrl() {
    return overseer.baseUrl();
  }

  public String dbUrl() {
    return dbUrl;
  }

  /** Creates a token with the given role through the API and returns a client that uses it. */
  public ApiClient clientWithRole(String name, String role) {
    ApiClient.Response created = admin.post("/api/v1/tokens", new JsonObject().put("name", name).put("role", role));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return client(created.json().getString("token"));
  }

  @Override
  public void close() {
    overseer.stop();
    assertThat(BlockedThreadWarnings.since(blockedMark)).as("blocked event-loop warnings").isEmpty();
  }
}
