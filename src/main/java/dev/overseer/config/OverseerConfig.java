package dev.overseer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The whole validated configuration. Built only by {@link ConfigLoader}; every value here is checked. */
public record OverseerConfig(
    Http http,
    Path dataDir,
    Db db,
    Dispatch dispatch,
    Duration killMaxGrace,
    Stream stream,
    Logs logs,
    Cluster cluster,
    String escalationWebhook,
    ProfileSettings defaults,
    Map<String, ProfileConfig> profiles) {

  /** {@code bodyLimit}: the largest request body accepted; larger ones get 413. */
  public record Http(String host, int port, long bodyLimit) {}

  /** {@code url} is null when Overseer runs its own embedded PostgreSQL. */
  public record Db(String url, int poolSize, int embeddedPort) {
    public boolean embedded() {
      return url == null;
    }
  }

  /**
   * {@code leaseTtl}: how long a claim stays valid without renewal (a dead node's tasks wait at most
   * this long); {@code pollInterval}: the fallback when no NOTIFY arrives; {@code batchSize}: tasks per claim.
   */
  public record Dispatch(Duration leaseTtl, Duration pollInterval, int batchSize) {}

  /**
   * Clustered mode: nodes form a Vert.x cluster (Hazelcast, TCP join on {@code members}; no multicast)
   * and share one PostgreSQL, which stays the single source of truth.
   */
  public record Cluster(boolean enabled, String name, java.util.List<String> members, String host, int port) {}

  /** Bounds of the agent log kept per attempt: the newest lines within both limits. */
  public record Logs(int maxLinesPerAttempt, long maxBytesPerAttempt) {}

  /** {@code slowClientTimeout}: how long a stream client may leave its socket full before it is closed. */
  public record Stream(Duration slowClientTimeout, int maxConnections) {}

  static OverseerConfig read(ConfigReader reader) {
    Http http = new Http(
        reader.string("http.host", "127.0.0.1"),
        reader.integer("http.port", 8080, 0, 65535),
        reader.bytes("http.bodyLimit", 1L << 20, 1024, 1L << 30));
    Path dataDir = Path.of(reader.string("dataDir", "./data"));
    String url = reader.string("db.url", null);
    if (url != null && url.isBlank()) url = null;
    if (url != null && !url.matches("postgres(ql)?://.+")) {
      throw new ConfigException("db.url", "expected postgresql://user:pass@host:port/db");
    }
    Db db = new Db(url, reader.integer("db.poolSize", 8, 1, 200), reader.integer("db.embedded.port", 0, 0, 65535));
    Dispatch dispatch = new Dispatch(
        reader.duration("dispatch.leaseTtl", Duration.ofSeconds(30), Duration.ofSeconds(1)),
        reader.duration("dispatch.pollInterval", Duration.ofSeconds(1), Duration.ofMillis(10)),
        reader.integer("dispatch.batchSize", 100, 1, 1000));
    Duration killMaxGrace = reader.duration("kill.maxGrace", Duration.ofMinutes(5), Duration.ZERO);
    Stream stream = new Stream(
        reader.duration("stream.slowClientTimeout", Duration.ofSeconds(10), Duration.ofMillis(100)),
        reader.integer("stream.maxConnections", 2000, 1, 100_000));
    Cluster cluster = new Cluster(
        reader.bool("cluster.enabled", false),
        reader.string("cluster.name", "overseer"),
        reader.stringList("cluster.members", java.util.List.of("127.0.0.1")),
        reader.string("cluster.host", "127.0.0.1"),
        reader.integer("cluster.port", 5701, 1, 65535));
    Logs logs = new Logs(
        reader.integer("logs.maxLinesPerAttempt", 10_000, 10, 10_000_000),
        reader.bytes("logs.maxBytesPerAttempt", 5L << 20, 1024, 1L << 30));
    String webhook = reader.string("escalation.webhook", null);
    if (webhook != null && webhook.isBlank()) webhook = null;
    if (webhook != null && !webhook.matches("https?://.+")) {
      throw new ConfigException("escalation.webhook", "expected an http:// or https:// URL");
    }
    ProfileSettings defaults = ProfileSettings.read(reader, "defaults.", ProfileSettings.BUILT_IN);
    Map<String, ProfileConfig> profiles = new LinkedHashMap<>();
    profiles.put("noop", ProfileConfig.builtinNoop(defaults));
    for (String name : reader.sectionNames("profiles")) {
      profiles.put(name, ProfileConfig.read(reader, name, defaults));
    }
    reader.rejectUnknownKeys();
    return new OverseerConfig(http, dataDir, db, dispatch, killMaxGrace, stream, logs, cluster, webhook, defaults, Collections.unmodifiableMap(profiles));
  }
}
