package dev.overseer.agent;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent that is an OS process speaking the JSON-lines protocol (see the README): input on stdin,
 * heartbeat/progress/log/result/error lines on stdout. Its output is read by threads of its own, never
 * on an event loop; starting, signalling and waiting happen on the {@code processes} worker pool.
 */
final class ProcessAgent implements Agent {
  private static final Logger log = LoggerFactory.getLogger(ProcessAgent.class);
  static final int MAX_LINE_BYTES = 64 * 1024;
  /** After the process exits, how long its stdout may stay open (held by a grandchild) before we stop reading. */
  private static final long OUTPUT_DRAIN_MILLIS = 2000;
  /** How often a stop looks whether the agent's processes are gone: during the grace, and after SIGKILL. */
  private static final long GRACE_POLL_MILLIS = 20;
  private static final long KILL_POLL_MILLIS = 5;
  private static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR");

  private final Context context;
  private final WorkerExecutor processes;
  private final AttemptSpec spec;
  private final PidFiles pidFiles;
  private final Promise<AgentOutcome> outcome = Promise.promise();
  private final AtomicReference<Object> result = new AtomicReference<>();
  private final AtomicReference<JsonObject> reportedError = new AtomicReference<>();
  private volatile Process process;
  private volatile boolean terminating;
  private volatile long processStartMillis = -1;
  /** The one stop of this agent's tree: the cleanup after it exited, or a termination; a second request joins it. */
  private Future<Termination> stopping;
  private AgentActivity activity;

  ProcessAgent(Context context, WorkerExecutor processes, AttemptSpec spec, PidFiles pidFiles) {
    this.context = context;
    this.processes = processes;
    this.spec = spec;
    this.pidFiles = pidFiles;
  }

  @Override
  public Future<AgentOutcome> start(AgentActivity activity) {
    this.activity = activity;
    return processes.executeBlocking(this::launch, false).compose(started -> outcome.future(),
        e -> Future.succeededFuture(AgentOutcome.failure("start-failed", "could not start the agent: " + e.getMessage(),
            true, new JsonObject().put("command", new JsonArray(spec.profile().command())))));
  }

  @Override
  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  @Override
  public long processStartMillis() {
    return processStartMillis;
  }

  @Override
  public Future<Termination> terminate(Duration grace) {
    terminating = true;
    Process p = process;
    if (p == null) return Future.succeededFuture(Termination.NOTHING_TO_STOP);
    return stopOnce(p, grace);
  }

  /** On the context. */
  private Future<Termination> stopOnce(Process p, Duration grace) {
    if (stopping == null) stopping = processes.executeBlocking(() -> stopTree(p.pid(), grace), false);
    return stopping;
  }

  private Void launch() throws IOException {
    Path workdir = workdir();
    List<String> command = new ArrayList<>();
    ProcessTree.sessionLauncher().ifPresent(command::add);
    command.addAll(ArgvTemplate.render(spec.profile().command(), spec.taskId(), spec.attempt(), spec.input()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workdir.toFile());
    Map<String, String> env = builder.environment();
    env.clear(); // Overseer's own environment (tokens, database URLs) is not the agent's business
    INHERITED_ENV.forEach(name -> {
      String value = System.getenv(name);
      if (value != null) env.put(name, value);
    });
    env.putAll(spec.profile().env());
    env.put("OVERSEER_TASK_ID", spec.taskId().toString());
    // every process of the agent inherits these: after a crash, the next life finds them all by them
    env.put(PidFiles.NODE_ENV, pidFiles.nodeId());
    env.put(PidFiles.LIFE_ENV, pidFiles.lifeId());
    env.put("OVERSEER_ATTEMPT", Integer.toString(spec.attempt()));
    env.put("OVERSEER_HEARTBEAT_INTERVAL",
        Long.toString(spec.profile().settings().supervisor().heartbeatInterval().toMillis()));
    Process started = builder.start();
    process = started;
    var startInstant = started.toHandle().info().startInstant();
    processStartMillis = startInstant.map(java.time.Instant::toEpochMilli).orElse(-1L);
    pidFiles.write(spec, started.pid(), startInstant);
    thread("stdin", () -> writeInput(started.getOutputStream()));
    java.util.concurrent.CountDownLatch stderrRead = new java.util.concurrent.CountDownLatch(1);
    thread("stderr", () -> {
      read(started.getErrorStream(), line -> activity.log("stderr", null, line));
      stderrRead.countDown();
    });
    thread("stdout", () -> {
      read(started.getInputStream(), this::onStdoutLine);
      finishWhenExited(started, stderrRead);
    });
    started.onExit().thenRun(() -> context.owner().setTimer(OUTPUT_DRAIN_MILLIS, id -> finish(started)));
    return null;
  }

  private Path workdir() throws IOException {
    Path dir = spec.profile().workdir() != null
        ? Path.of(spec.profile().workdir())
        : spec.dataDir().resolve("work").resolve(spec.taskId() + "-" + spec.attempt());
    Files.createDirectories(dir);
    return dir;
  }

  private void writeInput(OutputStream stdin) {
    try (stdin) {
      stdin.write(spec.input().toBuffer().getBytes());
      stdin.write('\n');
    } catch (IOException e) {
      // the agent closed its stdin or exited without reading it: its business
    }
  }

  private void read(InputStream stream, java.util.function.Consumer<String> onLine) {
    try (stream) {
      BoundedLineReader.readLines(stream, MAX_LINE_BYTES, onLine);
    } catch (IOException e) {
      // the stream closed with the process
    }
  }

  /** One line of the protocol; anything that is not a protocol message is a log line. */
  private void onStdoutLine(String line) {
    JsonObject message = AgentProtocol.parse(line);
    if (message == null) {
      activity.log(line);
      return;
    }
    switch (message.getString("type")) {
      case "heartbeat" -> activity.touch();
      case "progress" -> activity.progress(AgentProtocol.percent(message), AgentProtocol.text(message.getValue("message")));
      case "log" -> activity.log("agent", AgentProtocol.text(message.getValue("level")),
          AgentProtocol.text(message.getValue("message")));
      case "result" -> {
        result.set(message.getValue("output"));
        activity.touch();
      }
      default -> { // error
        reportedError.set(message);
        activity.touch();
      }
    }
  }

  /** After stdout ended: waits for the exit and (briefly) for the last stderr lines, then decides. */
  private void finishWhenExited(Process started, java.util.concurrent.CountDownLatch stderrRead) {
    try {
      started.waitFor();
      stderrRead.await(OUTPUT_DRAIN_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    context.runOnContext(v -> finish(started));
  }

  /** On the context: the process exited; decide the outcome from its exit status and what it said. */
  private void finish(Process started) {
    if (outcome.future().isComplete()) return;
    int status = started.exitValue();
    AgentOutcome ended;
    if (status == 0) {
      ended = AgentOutcome.success(result.get());
    } else {
      JsonObject details = new JsonObject().put("exitStatus", status).put("logTail", new JsonArray(activity.logTail()));
      JsonObject said = reportedError.get();
      if (said != null) {
        ended = AgentOutcome.failure("agent-error", AgentProtocol.text(said.getValue("message")),
            !Boolean.FALSE.equals(said.getValue("retryable")), details);
      } else if (status > 128) {
        ended = AgentOutcome.failure("signal", "the agent was killed by signal " + (status - 128), true, details);
      } else {
        ended = AgentOutcome.failure("exit-status", "the agent exited with status " + status, true, details);
      }
    }
    outcome.tryComplete(ended);
    // the leader is gone; anything it left running in its session goes with it
    stopOnce(started, Duration.ZERO);
  }

  /**
   * SIGTERM to every process of the agent, SIGKILL to survivors after {@code grace}. Between signals it
   * watches the known pids (cheap) and rescans /proc only now and then, for processes forked meanwhile.
   */
  private Termination stopTree(long leader, Duration grace) throws InterruptedException {
    Set<Long> members = ProcessTree.members(leader);
    boolean forced = false;
    java.time.Instant signalledAt = null;
    java.time.Instant stoppedAt = null;
    if (!members.isEmpty()) {
      signalledAt = java.time.Instant.now();
      ProcessTree.signal(members, false);
      members = awaitGone(leader, members, System.nanoTime() + grace.toNanos(), GRACE_POLL_MILLIS);
      long killDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!members.isEmpty() && System.nanoTime() < killDeadline) {
        forced = true;
        ProcessTree.signal(members, true);
        // SIGKILL takes effect at once: look again soon, so the receipt says so soon
        members = awaitGone(leader, members, System.nanoTime() + Duration.ofMillis(500).toNanos(), KILL_POLL_MILLIS);
      }
      if (!members.isEmpty()) log.error("agent {} processes {} survived SIGKILL", spec.key(), members);
      else stoppedAt = java.time.Instant.now();
    }
    pidFiles.remove(spec);
    removeWorkdir();
    return new Termination(signalledAt, forced, stoppedAt);
  }

  /** Waits until the tree is gone or the deadline passes; returns who is left. */
  private static Set<Long> awaitGone(long leader, Set<Long> members, long deadline, long pollMillis)
      throws InterruptedException {
    Set<Long> alive = new java.util.TreeSet<>(members);
    int round = 0;
    long rescanEvery = Math.max(1, 200 / pollMillis);
    while (true) {
      alive.removeIf(pid -> !ProcessTree.isRunning(pid));
      if (++round % rescanEvery == 0) alive.addAll(ProcessTree.members(leader)); // forked meanwhile?
      if (alive.isEmpty() && (alive = ProcessTree.members(leader)).isEmpty()) return alive;
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) break;
      Thread.sleep(Math.min(pollMillis, left)); // wake at the deadline, not up to a poll after it
    }
    alive.removeIf(pid -> !ProcessTree.isRunning(pid));
    alive.addAll(ProcessTree.members(leader));
    return alive;
  }

  private void removeWorkdir() {
    if (spec.profile().keepWorkdir() || spec.profile().workdir() != null) return;
    Path dir = spec.dataDir().resolve("work").resolve(spec.taskId() + "-" + spec.attempt());
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // already gone
    }
  }

  private void thread(String stream, Runnable body) {
    Thread t = new Thread(body, "agent-" + spec.key() + "-" + stream);
    t.setDaemon(true);
    t.start();
  }
}
