package dev.overseer.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Overseer as a real OS process: {@code java -jar overseer.jar --config FILE}, its stdout and stderr in
 * files of the bench's work directory, the ready banner parsed for the base URL and the database URL.
 * Can be crashed (SIGKILL) and started again on the same data directory.
 */
final class OverseerServer implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Overseer ready at (http://\\S+)");
  private static final Pattern DATABASE = Pattern.compile("^\\s*database: (postgres(?:ql)?://\\S+)");
  /** The banner's last line: once it is read, every line of the banner is. */
  private static final String BANNER_END = "  try: curl";

  private final Path java;
  private final Path jar;
  private final Path config;
  private final Path workDir;
  private final Path dataDir;
  private final Map<String, String> env;
  private final List<String> javaOptions;
  private Process process;
  private int starts;
  private volatile String baseUrl;
  private volatile String databaseUrl;

  OverseerServer(Path jar, Path config, Path workDir, Path dataDir, Map<String, String> env, List<String> javaOptions) {
    this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    this.jar = jar;
    this.config = config;
    this.workDir = workDir;
    this.dataDir = dataDir;
    this.env = env;
    this.javaOptions = javaOptions;
  }

  /** Starts the process and waits for its banner (bounded); returns the base URL. */
  synchronized String start(Duration readyWithin) throws Exception {
    if (process != null && process.isAlive()) throw new IllegalStateException("Overseer is already running");
    starts++;
    List<String> args = new ArrayList<>(javaOptions);
    args.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
    // java @argfile: the same command, but its command line does not name overseer, so that a broad
    // "pkill -f overseer" of someone else on a shared machine does not take the bench's server down
    Path argFile = workDir.resolve("server-" + starts + ".args");
    Files.write(argFile, args.stream().map(OverseerServer::quoteArg).toList());
    List<String> command = List.of(java.toString(), "@" + argFile);
    Path out = workDir.resolve("overseer-" + starts + ".out");
    Path err = workDir.resolve("overseer-" + starts + ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectError(ProcessBuilder.Redirect.to(err.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().keySet().removeIf(k -> k.startsWith("OVERSEER_"));
    builder.environment().putAll(env);
    baseUrl = null;
    databaseUrl = null;
    Process started = builder.start();
    process = started;
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> readStdout(started, out, ready), "overseer-stdout-" + starts);
    reader.setDaemon(true);
    reader.start();
    try {
      return ready.get(readyWithin.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Overseer did not print its ready banner within " + readyWithin.toSeconds()
          + "s (exit: " + (started.isAlive() ? "still running" : started.exitValue()) + "); stderr ends with:\n"
          + tail(err, 40), e);
    }
  }

  String baseUrl() {
    return baseUrl;
  }

  /** One argument of a java @argfile: quoted, with backslashes and quotes escaped. */
  static String quoteArg(String arg) {
    return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** How the process ended, for reports: its exit status, or that it still runs. */
  String exitDescription() {
    if (process == null) return "not started";
    if (process.isAlive()) return "still running";
    int status = process.exitValue();
    return "exit status " + status + (status > 128 ? " (signal " + (status - 128) + ")" : "");
  }

  /** The database URL from the banner: {@code postgresql://user@host:port/db}. */
  String databaseUrl() {
    return databaseUrl;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL, as a crash: no shutdown hook runs; the embedded PostgreSQL is left running. */
  synchronized void crash() throws InterruptedException {
    if (process == null) return;
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("Overseer did not die after SIGKILL");
  }

  /** SIGTERM, then SIGKILL after {@code grace}. */
  synchronized void stop(Duration grace) throws InterruptedException {
    if (process == null || !process.isAlive()) return;
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      Bench.log("Overseer did not stop within %ds of SIGTERM; sending SIGKILL", grace.toSeconds());
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * After Overseer is gone: stops an embedded PostgreSQL it left behind (a crash leaves it running) and
   * every process whose command line names the bench's work directory (agents of a killed Overseer).
   */
  void reapLeftovers() {
    try {
      Optional<Long> pg = postmasterPid();
      if (pg.isPresent()) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pg.get());
        if (handle.isPresent() && handle.get().isAlive()
            && handle.get().info().command().orElse("").endsWith("postgres")) {
          Bench.log("stopping the embedded PostgreSQL (pid %d) left running", pg.get());
          new ProcessBuilder("kill", "-INT", Long.toString(pg.get())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
          try {
            handle.get().onExit().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            handle.get().destroyForcibly();
          }
        }
      }
    } catch (Exception e) {
      Bench.log("could not stop the embedded PostgreSQL: %s", e);
    }
    String marker = workDir.toAbsolutePath().toString();
    long self = ProcessHandle.current().pid();
    for (int round = 0; round < 3; round++) {
      List<Long> left = processesWithMarker(marker);
      left.remove(self);
      if (left.isEmpty()) return;
      Bench.log("killing %d leftover processes of the bench:", left.size());
      for (long pid : left) Bench.log("  %d %s", pid, ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?"));
      for (long pid : left) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() throws Exception {
    stop(Duration.ofSeconds(40));
    reapLeftovers();
  }

  /** The last lines of Overseer's stderr, for error reports. */
  String stderrTail(int lines) {
    return tail(workDir.resolve("overseer-" + starts + ".err"), lines);
  }

  private Optional<Long> postmasterPid() throws IOException {
    Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) return Optional.empty();
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) return Optional.empty();
    return Optional.of(Long.parseLong(lines.get(0).trim()));
  }

  private void readStdout(Process p, Path out, CompletableFuture<String> ready) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
         PrintWriter log = new PrintWriter(Files.newBufferedWriter(out), true)) {
      String url = null;
      String line;
      while ((line = reader.readLine()) != null) {
        log.println(line);
        Matcher m = READY.matcher(line);
        if (m.find()) url = m.group(1);
        Matcher d = DATABASE.matcher(line);
        if (d.find()) databaseUrl = d.group(1);
        if (line.startsWith(BANNER_END) && url != null && !ready.isDone()) {
          baseUrl = url;
          ready.complete(url);
        }
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      ready.completeExceptionally(new IllegalStateException("Overseer's stdout closed before the ready banner"));
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e.getMessage() + ")";
    }
  }

  static List<Long> processesWithMarker(String marker) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : proc) {
        try {
          String cmdline = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          if (cmdline.contains(marker)) pids.add(Long.parseLong(dir.getFileName().toString()));
        } catch (IOException e) {
          // it ended while we looked
        }
      }
    } catch (IOException e) {
      Bench.log("cannot read /proc: %s", e);
    }
    return pids;
  }

  /** utime + stime of a process in clock ticks, from /proc/PID/stat; -1 when it is gone. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
