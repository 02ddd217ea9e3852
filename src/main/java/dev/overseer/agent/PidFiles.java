package dev.overseer.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file per running agent process in {@code <dataDir>/agents}, written right after the process
 * starts: after a crash of Overseer, the next start finds every process its previous life left and
 * kills it (matched by pid and start time, so a reused pid is never hit). Blocking file I/O: workers only.
 */
public final class PidFiles {
  private static final Logger log = LoggerFactory.getLogger(PidFiles.class);
  private final Path dir;

  public PidFiles(Path dataDir) {
    this.dir = dataDir.resolve("agents");
  }

  void write(AttemptSpec spec, long pid, Optional<Instant> started) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(name(spec) + ".tmp");
    Files.writeString(tmp, pid + " " + started.map(Instant::toEpochMilli).orElse(0L) + "\n");
    Files.move(tmp, dir.resolve(name(spec)), StandardCopyOption.ATOMIC_MOVE);
  }

  void remove(AttemptSpec spec) {
    try {
      Files.deleteIfExists(dir.resolve(name(spec)));
    } catch (IOException e) {
      log.warn("cannot remove pid file of {}: {}", spec.key(), e.toString());
    }
  }

  /** Kills every process tree a previous life of this node left behind; returns how many it found alive. */
  public int killLeftovers() throws IOException {
    if (!Files.isDirectory(dir)) return 0;
    int killed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pid")) {
      for (Path file : files) {
        String[] parts = Files.readString(file).trim().split(" ");
        long pid = Long.parseLong(parts[0]);
        long startedMillis = Long.parseLong(parts[1]);
        // The agent itself may be gone while its children live on in its session. Its pid cannot have
        // been reused while that session has members (Linux keeps a session id's pid reserved); a live
        // process with that pid but another start time is someone else, and is left alone.
        boolean reused = ProcessTree.isRunning(pid) && ProcessTree.startTime(pid)
            .map(t -> Math.abs(t.toEpochMilli() - startedMillis) >= 1000).orElse(false);
        var members = reused ? java.util.Set.<Long>of() : ProcessTree.members(pid);
        if (!members.isEmpty()) {
          log.warn("killing agent process tree {} (pid {}) left by this node's previous run", file.getFileName(), pid);
          ProcessTree.signal(members, true);
          killed++;
        }
        Files.deleteIfExists(file);
      }
    }
    return killed;
  }

  private static String name(AttemptSpec spec) {
    return spec.taskId() + "-" + spec.attempt() + ".pid";
  }
}
