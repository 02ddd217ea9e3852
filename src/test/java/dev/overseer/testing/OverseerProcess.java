package dev.overseer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Overseer as a real OS process (java dev.overseer.Main), for tests of start-up, signals and crashes. */
public final class OverseerProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Overseer ready at (http://\\S+)");
  /** The banner's last line: once it is read, every line of the banner is. */
  private static final String BANNER_END = "  try: curl";

  private final Process process;
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final List<String> stdout = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Path stderrFile;

  private OverseerProcess(Process process, Path stderrFile) {
    this.process = process;
    this.stderrFile = stderrFile;
    Thread reader = new Thread(this::readStdout, "overseer-process-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java -cp <test classpath> dev.overseer.Main args...} with {@code env} added. */
  public static OverseerProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "dev.overseer.Main"));
    command.addAll(List.of(args));
    Files.createDirectories(workDir);
    Path stderr = workDir.resolve("overseer-" + System.nanoTime() + ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("OVERSEER_"));
    builder.environment().putAll(env);
    return new OverseerProcess(builder.start(), stderr);
  }

  /** Waits until the process printed its ready line; returns the base URL. */
  public String awaitReady() throws Exception {
    try {
      return ready.get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("Overseer did not become ready; stdout: " + stdout + "\nstderr: " + stderr(), e);
    }
  }

  public Process process() {
    return process;
  }

  public long pid() {
    return process.pid();
  }

  public List<String> stdout() {
    return List.copyOf(stdout);
  }

  public String stderr() {
    try {
      return Files.readString(stderrFile);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Sends SIGTERM and waits for the exit status. */
  public int terminate() throws Exception {
    process.destroy();
    return awaitExit();
  }

  /** Whether a process runs: a zombie waiting for its parent to reap it has stopped running. */
  public static boolean isRunning(long pid) {
    return dev.overseer.agent.ProcessTree.isRunning(pid);
  }

  /** Polls until the process stopped running or the deadline passed; returns whether it stopped. */
  public static boolean awaitStopped(long pid, java.time.Duration deadline) throws InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    while (isRunning(pid) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    return !isRunning(pid);
  }

  /** SIGKILL: a crash, no shutdown hook runs. */
  public void crash() throws Exception {
    process.destroyForcibly();
    awaitExit();
  }

  public int awaitExit() throws Exception {
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      throw new AssertionError("Overseer did not exit; stderr: " + stderr());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private String url;

  private void readStdout() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        stdout.add(line);
        Matcher m = READY.matcher(line);
        if (m.find()) url = m.group(1);
        if (line.startsWith(BANNER_END) && url != null) ready.complete(url);
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      ready.completeExceptionally(new IllegalStateException("stdout closed before the ready line"));
    }
  }

}
