package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The benchmark driver behind {@code scripts/bench.sh}: starts Overseer as a real process (embedded
 * PostgreSQL, or {@code OVERSEER_DB_URL}), runs the scenarios and prints one {@code name=value} line per
 * figure on stdout; progress goes to stderr. Every process it starts is stopped at the end, also on failure.
 */
public final class Bench {
  static final String USAGE = """
      usage: scripts/bench.sh [--quick] [--only SCENARIO,...] [--tasks N] [--keep]
        --quick          every scenario small (about 2 minutes in all)
        --only LIST      run only these scenarios (names below, or figure names), comma-separated
        --tasks N        tasks of the lifecycle and drain runs (default 20000; --quick 2000)
        --keep           keep the temporary work directory (config, logs, data) for inspection
      scenarios, in the order they run:
        first_completion   first_completion_ms
        submit             submit_per_s submit_batch_per_s
        lifecycle          lifecycle_tasks_per_s sql_txns_per_task
        drain              drain_tasks_per_s
        dispatch_latency   dispatch_latency_p50_ms dispatch_latency_p99_ms
        kill               kill_latency_p50_ms kill_latency_p99_ms forced_kill_ms
        heartbeat          agents_heartbeating supervisor_cpu_pct heartbeat_detection_ms_p99
        crash              crash_recovery_s crash_lost crash_duplicated
      Overseer runs on an embedded PostgreSQL in a fresh temporary directory, or on OVERSEER_DB_URL when
      set (postgresql://user:pass@host:port/db; the database is created if missing, used as it is otherwise).
      OVERSEER_JAVA_OPTS are passed to Overseer's JVM. Figures on stdout, progress on stderr.""";

  static final PrintStream OUT = System.out;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  final Options options;
  final String runId;
  final String adminToken;
  final Path workDir;
  final Path dataDir;
  final Path scriptsDir;
  final boolean external;
  final int hbAgents;
  OverseerServer server;
  Api api;
  Db db;
  /** Heartbeat settings as Overseer reports them for the bench's profiles. */
  long heartbeatIntervalMs = -1;
  int missedHeartbeatsLimit = -1;
  static final int LEASE_TTL_S = 10;

  private final Set<String> printed = new LinkedHashSet<>();
  private boolean cleanedUp;
  private int failures;
  /** Set when the bench is being stopped (a signal): no further scenario starts. */
  private volatile boolean stopping;

  record Options(boolean quick, Set<String> only, int tasks, Path jar, boolean keep) {}

  private Bench(Options options) throws IOException {
    this.options = options;
    SecureRandom random = new SecureRandom();
    this.runId = "r" + System.currentTimeMillis() + "-" + Integer.toHexString(random.nextInt(1 << 16));
    byte[] secret = new byte[24];
    random.nextBytes(secret);
    this.adminToken = "ovs_bench_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    this.workDir = Files.createTempDirectory("ovs-bench-").toAbsolutePath();
    this.dataDir = workDir.resolve("data");
    this.scriptsDir = workDir.resolve("agents");
    String url = System.getenv("OVERSEER_DB_URL");
    this.external = url != null && !url.isBlank();
    this.hbAgents = options.quick ? 1_000 : 10_000;
  }

  public static void main(String[] args) {
    String argFile = System.getProperty("bench.argfile");
    if (argFile != null) {
      try {
        Files.deleteIfExists(Path.of(argFile)); // read by the JVM at launch; not needed any more
      } catch (IOException e) {
        // a temporary file; harmless
      }
    }
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.println(USAGE);
      return;
    }
    int status;
    try {
      Bench bench = new Bench(options);
      status = bench.run();
    } catch (Exception e) {
      log("bench failed: %s", e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static Options parse(String[] args) {
    boolean quick = false;
    boolean keep = false;
    Set<String> only = new LinkedHashSet<>();
    Integer tasks = null;
    Path jar = Path.of("target", "overseer.jar");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h", "--help" -> {
          return null;
        }
        case "--quick" -> quick = true;
        case "--keep" -> keep = true;
        case "--only" -> {
          if (i + 1 >= args.length) throw new IllegalArgumentException("--only needs a list of scenarios");
          for (String s : args[++i].split(",")) {
            if (s.isBlank()) continue;
            String scenario = Scenarios.scenarioOf(s.trim());
            if (scenario == null) throw new IllegalArgumentException("unknown scenario or figure: " + s.trim());
            only.add(scenario);
          }
        }
        case "--tasks" -> {
          if (i + 1 >= args.length) throw new IllegalArgumentException("--tasks needs a number");
          try {
            tasks = Integer.parseInt(args[++i]);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tasks needs a number, got " + args[i]);
          }
          if (tasks < 1 || tasks > 1_000_000) throw new IllegalArgumentException("--tasks must be 1..1000000");
        }
        case "--jar" -> {
          if (i + 1 >= args.length) throw new IllegalArgumentException("--jar needs a path");
          jar = Path.of(args[++i]);
        }
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    return new Options(quick, only, tasks != null ? tasks : quick ? 2_000 : 20_000, jar.toAbsolutePath(), keep);
  }

  private int run() throws Exception {
    Thread hook = new Thread(() -> {
      stopping = true;
      log("stopped by a signal: cleaning up");
      cleanUp();
    }, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (!Files.isRegularFile(options.jar)) throw new IllegalStateException("no jar at " + options.jar + " (mvn package)");
      log("run %s (%s), work directory %s", runId, options.quick ? "quick" : "full", workDir);
      Path config = writeConfig();
      Map<String, String> env = new LinkedHashMap<>();
      env.put("OVERSEER_HTTP_PORT", "0");
      env.put("OVERSEER_DATA_DIR", dataDir.toString());
      env.put("OVERSEER_ADMIN_TOKEN", adminToken);
      if (external) {
        String url = System.getenv("OVERSEER_DB_URL");
        ensureDatabase(url);
        env.put("OVERSEER_DB_URL", url);
      }
      String javaOpts = System.getenv("OVERSEER_JAVA_OPTS");
      List<String> jvm = javaOpts == null || javaOpts.isBlank() ? List.of() : List.of(javaOpts.trim().split("\\s+"));
      server = new OverseerServer(options.jar, config, workDir, dataDir, env, jvm);
      long t0 = System.nanoTime();
      String base = server.start(Duration.ofSeconds(180));
      log("Overseer ready at %s in %.1fs (pid %d, database %s)", base, (System.nanoTime() - t0) / 1e9, server.pid(),
          external ? "from OVERSEER_DB_URL" : server.databaseUrl());
      db = new Db(external ? System.getenv("OVERSEER_DB_URL") : server.databaseUrl());
      api = new Api(base, external ? ensureToken() : adminToken);
      environment();
      for (Scenario scenario : Scenarios.all()) {
        if (!options.only.isEmpty() && !options.only.contains(scenario.name())) continue;
        if (stopping) break;
        if (!runScenario(scenario)) failures++;
      }
    } catch (Exception | Error e) {
      failures++; // keeps Overseer's logs
      throw e;
    } finally {
      cleanUp();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    if (failures > 0) log("%d scenario(s) failed; see above", failures);
    return failures == 0 ? 0 : 1;
  }

  private boolean runScenario(Scenario scenario) {
    if (!server.alive() && !"crash".equals(scenario.name())) {
      log("Overseer is not running; %s cannot run", scenario.name());
      scenario.figures().forEach(f -> unsupported(f, "Overseer is not running"));
      return false;
    }
    log("== %s (load average %s)", scenario.name(), loadAverage());
    long t0 = System.nanoTime();
    boolean ok = true;
    try {
      scenario.run(this);
    } catch (Exception | AssertionError e) {
      ok = false;
      log("scenario %s failed: %s", scenario.name(), e);
      e.printStackTrace(System.err);
      if (server != null && !server.alive()) {
        log("Overseer died (%s); its stderr ends with:\n%s", server.exitDescription(), server.stderrTail(40));
      }
      for (String f : scenario.figures()) {
        if (!printed.contains(f)) unsupported(f, "the scenario failed: " + e.getMessage());
      }
    }
    for (String f : scenario.figures()) {
      if (!printed.contains(f)) unsupported(f, "the scenario did not produce it");
    }
    log("== %s done in %.1fs", scenario.name(), (System.nanoTime() - t0) / 1e9);
    return ok;
  }

  // ---- output

  static void log(String format, Object... args) {
    System.err.println("[bench " + LocalTime.now().format(CLOCK) + "] " + String.format(java.util.Locale.ROOT, format, args));
    System.err.flush();
  }

  void figure(String name, Object value) {
    String text = value instanceof Double d ? Stats.fmt(d) : String.valueOf(value);
    printed.add(name);
    OUT.println(name + "=" + text);
    OUT.flush();
  }

  void unsupported(String name, String reason) {
    log("%s unsupported: %s", name, reason);
    figure(name, "unsupported");
  }

  // ---- environment

  private void environment() throws Exception {
    figure("cores", Runtime.getRuntime().availableProcessors());
    figure("java", System.getProperty("java.runtime.version"));
    figure("postgres_version", db.string("SHOW server_version").split(" ")[0]);
    figure("postgres_fsync", db.string("SHOW fsync"));
    figure("postgres_synchronous_commit", db.string("SHOW synchronous_commit"));
    figure("postgres_shared_buffers", db.string("SHOW shared_buffers"));
    figure("db", external ? "external" : "embedded");
    figure("host_loadavg", loadAverage());
    figure("mode", options.quick ? "quick" : "full");
    JsonObject hb = profile("hb");
    JsonObject supervisor = hb.getJsonObject("supervisor");
    heartbeatIntervalMs = parseDuration(supervisor.getString("heartbeatInterval")).toMillis();
    missedHeartbeatsLimit = supervisor.getInteger("missedHeartbeatsLimit");
    figure("heartbeat_interval_ms", heartbeatIntervalMs);
    figure("missed_heartbeats_limit", missedHeartbeatsLimit);
    figure("lease_ttl_s", LEASE_TTL_S);
  }

  /** The 1-minute load average of the host (other work on the machine skews every figure). */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static Duration parseDuration(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    return Duration.parse(text);
  }

  // ---- configuration

  private Path writeConfig() throws IOException {
    Files.createDirectories(scriptsDir);
    // "read -t" on a pipe nobody writes to sleeps without forking a sleep process per line
    String beat = script("beat.sh", """
        # a process agent that only says it is alive, once a second, until it is stopped
        exec {never}<> <(:)
        while true; do echo '{"type":"heartbeat"}'; read -r -t 1 -u "$never" || true; done""");
    String stubborn = script("stubborn.sh", """
        # ignores SIGTERM: only SIGKILL stops it
        trap '' TERM
        exec {never}<> <(:)
        while true; do echo '{"type":"heartbeat"}'; read -r -t 1 -u "$never" || true; done""");
    String yaml = """
        # generated by the Overseer bench (run %s)
        http:
          host: 127.0.0.1
        dispatch:
          leaseTtl: %ds
        defaults:
          supervisor:
            heartbeatInterval: 1s
            missedHeartbeatsLimit: 5
        profiles:
          noop: {kind: builtin, agent: noop, concurrency: 1000}
          first: {kind: builtin, agent: noop, concurrency: 4}
          lat: {kind: builtin, agent: sleep, concurrency: 100}
          hb: {kind: builtin, agent: sleep, concurrency: %d, timeout: 1h}
          silent:
            kind: builtin
            agent: sleep
            concurrency: 500
            maxAttempts: 1
            supervisor: {intensity: 1000000}
          proc:
            kind: process
            command: ["/bin/bash", "%s"]
            concurrency: 100
            shutdown: {grace: 10s}
          stubborn:
            kind: process
            command: ["/bin/bash", "%s"]
            concurrency: 100
            shutdown: {grace: 1s}
          crash: {kind: builtin, agent: sleep, concurrency: 200}
        """.formatted(runId, LEASE_TTL_S, hbAgents, beat, stubborn);
    Path file = workDir.resolve("overseer.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private String script(String name, String body) throws IOException {
    Path file = scriptsDir.resolve(name);
    Files.writeString(file, "#!/bin/bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file.toString();
  }

  /** With OVERSEER_DB_URL: creates the database if it does not exist; an existing one is used as it is. */
  private void ensureDatabase(String url) throws Exception {
    String name = java.net.URI.create(url.replaceFirst("^postgres(ql)?://", "postgresql://")).getPath().substring(1);
    try (var c = Db.connect(url, null)) {
      log("using the existing database %s", name);
    } catch (java.sql.SQLException e) {
      if (!"3D000".equals(e.getSQLState())) throw e;
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) throw new IllegalStateException("will not create database " + name);
      try (var c = Db.connect(url, "postgres"); var st = c.createStatement()) {
        st.execute("CREATE DATABASE " + name);
        log("created the database %s", name);
      }
    }
  }

  /**
   * On an existing database OVERSEER_ADMIN_TOKEN only counts when the database was empty. If the bench's
   * token is refused, an admin token for this run is added directly to api_tokens (only its SHA-256).
   */
  private String ensureToken() throws Exception {
    Api probe = new Api(server.baseUrl(), adminToken);
    try {
      if (probe.call(HttpMethod.GET, "/api/v1/me", null, Duration.ofSeconds(10)).status() == 200) return adminToken;
    } finally {
      probe.close();
    }
    String name = "bench-" + runId;
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(adminToken.getBytes(StandardCharsets.UTF_8)));
    db.rows("INSERT INTO api_tokens (name, role, token_hash, created_by) VALUES (?, 'admin', ?, 'bench') RETURNING name", name, hash);
    log("the database has tokens already: added the admin token %s for this run", name);
    return adminToken;
  }

  // ---- helpers for scenarios

  JsonObject labels(String scenario) {
    return new JsonObject().put("bench", runId).put("scenario", scenario);
  }

  /** For SQL: {@code labels @> ?::jsonb}. */
  String labelFilter(String scenario) {
    return labels(scenario).encode();
  }

  JsonObject task(String scenario, String profile, String name, JsonObject input) {
    JsonObject t = new JsonObject().put("name", name).put("profile", profile).put("labels", labels(scenario));
    if (input != null) t.put("input", input);
    return t;
  }

  /** Bodies of POST /api/v1/tasks/batch: {@code n} tasks, at most {@code perBatch} per request. */
  List<Buffer> batches(String scenario, String profile, int n, int perBatch, IntFunction<JsonObject> input) {
    List<Buffer> bodies = new ArrayList<>();
    for (int from = 0; from < n; from += perBatch) {
      List<JsonObject> tasks = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + perBatch); i++) {
        tasks.add(task(scenario, profile, scenario + "-" + i, input == null ? null : input.apply(i)));
      }
      bodies.add(Api.taskBatch(tasks));
    }
    return bodies;
  }

  /** Creates tasks through the batch endpoint with a few concurrent clients; all must be created. */
  Api.LoadResult submitBatches(List<Buffer> bodies, int clients) {
    Api.LoadResult r = api.closedLoop(HttpMethod.POST, "/api/v1/tasks/batch", bodies, clients, 201, Duration.ofMinutes(5));
    if (r.ok() != bodies.size()) {
      throw new IllegalStateException((bodies.size() - r.ok()) + " of " + bodies.size() + " batch requests failed or were not sent, first: "
          + r.firstFailure());
    }
    return r;
  }

  void pauseDispatch(String why) {
    api.post(200, "/api/v1/dispatch/pause", new JsonObject().put("reason", "bench: " + why));
  }

  void resumeDispatch() {
    api.post(200, "/api/v1/dispatch/resume", new JsonObject().put("reason", "bench"));
  }

  /** Kills every unfinished task of the scenario (kill-all scoped by its labels), bounded in rounds. */
  void killAll(String scenario) {
    long t0 = System.nanoTime();
    int killed = 0;
    long until = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    for (int round = 0; round < 20 && System.nanoTime() < until; round++) {
      JsonObject r = api.expect(200, HttpMethod.POST, "/api/v1/kill-all",
          new JsonObject().put("reason", "bench cleanup of " + scenario).put("labels", labels(scenario)), Duration.ofMinutes(10));
      int total = r.getInteger("total");
      killed += r.getInteger("killed");
      if (r.getInteger("failed", 0) > 0) log("kill-all of %s: %d kills failed or still under way", scenario, r.getInteger("failed"));
      if (total == 0) break;
    }
    if (killed > 0) log("cleanup: kill-all ended %d tasks of %s in %.1fs", killed, scenario, (System.nanoTime() - t0) / 1e9);
  }

  /** Task counts of a scenario: total, succeeded, failed or killed, running, queued or retrying. */
  record Counts(long total, long succeeded, long failedOrKilled, long running, long waiting) {
    long finished() {
      return succeeded + failedOrKilled;
    }
  }

  Counts counts(String scenario) throws Exception {
    Object[] row = db.rows("""
        SELECT count(*), count(*) FILTER (WHERE state = 'succeeded'), count(*) FILTER (WHERE state IN ('failed', 'killed')),
               count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state IN ('queued', 'retrying'))
        FROM tasks WHERE labels @> ?::jsonb""", labelFilter(scenario)).get(0);
    return new Counts(((Number) row[0]).longValue(), ((Number) row[1]).longValue(), ((Number) row[2]).longValue(),
        ((Number) row[3]).longValue(), ((Number) row[4]).longValue());
  }

  /** Polls until {@code n} tasks of the scenario finished or the deadline passed; returns the last counts. */
  Counts awaitFinished(String scenario, long n, Duration deadline, long pollMillis) throws Exception {
    long until = System.nanoTime() + deadline.toNanos();
    long lastLog = System.nanoTime();
    Counts c = counts(scenario);
    while (c.finished() < n && System.nanoTime() < until) {
      if (!server.alive()) throw new IllegalStateException("Overseer died");
      Thread.sleep(pollMillis);
      c = counts(scenario);
      if (System.nanoTime() - lastLog > 5e9) {
        log("  %s: %d/%d finished (%d running, %d waiting)", scenario, c.finished(), n, c.running(), c.waiting());
        lastLog = System.nanoTime();
      }
    }
    return c;
  }

  /** Epoch milliseconds (fractional) of max(finished_at) of the scenario's tasks. */
  double lastFinishedMillis(String scenario) throws Exception {
    Double v = db.doubleValue("SELECT extract(epoch FROM max(finished_at)) * 1000 FROM tasks WHERE labels @> ?::jsonb",
        labelFilter(scenario));
    if (v == null) throw new IllegalStateException("no finished task of " + scenario);
    return v;
  }

  JsonObject profile(String name) {
    JsonArray items = api.get("/api/v1/profiles").getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (name.equals(items.getJsonObject(i).getString("name"))) return items.getJsonObject(i);
    }
    throw new IllegalStateException("Overseer has no profile " + name);
  }

  int running(String profileName) {
    return profile(profileName).getInteger("running");
  }

  /** Polls until the profile has {@code n} running attempts (or stops growing at the deadline); returns the count. */
  int awaitRunning(String profileName, int n, Duration deadline) throws InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    int running = running(profileName);
    long lastLog = System.nanoTime();
    while (running < n && System.nanoTime() < until) {
      if (!server.alive()) throw new IllegalStateException("Overseer died");
      Thread.sleep(200);
      running = running(profileName);
      if (System.nanoTime() - lastLog > 5e9) {
        log("  %s: %d/%d running", profileName, running, n);
        lastLog = System.nanoTime();
      }
    }
    return running;
  }

  static double epochMillis(String rfc3339) {
    java.time.Instant i = java.time.Instant.parse(rfc3339);
    return i.getEpochSecond() * 1000.0 + i.getNano() / 1e6;
  }

  static double nowMillis() {
    java.time.Instant i = java.time.Instant.now();
    return i.getEpochSecond() * 1000.0 + i.getNano() / 1e6;
  }

  static void sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }

  // ---- clean-up

  private synchronized void cleanUp() {
    if (cleanedUp) return;
    cleanedUp = true;
    if (api != null) api.close();
    if (db != null) db.close();
    if (server != null) {
      try {
        server.close();
      } catch (Exception e) {
        log("stopping Overseer: %s", e);
      }
    }
    if (options.keep) {
      log("kept the work directory %s", workDir);
      return;
    }
    if (failures > 0 || stopping) {
      // keep what explains the failure (config, Overseer's logs), not the database
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        log("could not remove %s: %s", dataDir, e);
      }
      log("kept Overseer's logs and config in %s", workDir);
      return;
    }
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log("could not remove %s: %s", workDir, e);
    }
  }
}
