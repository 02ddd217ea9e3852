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
  static final String NODE_ENV = "OVERSEER_NODE_ID";
  static final String LIFE_ENV = "OVERSEER_NODE_LIFE";
  private final Path dir;
  private final String nodeId;
  private final String lifeId = java.util.UUID.randomUUID().toString();

  public PidFiles(Path dataDir, String nodeId) {
    this.dir = dataDir.resolve("agents");
    this.nodeId = nodeId;
  }

  String nodeId() {
    return nodeId;
  }

  /** This run of the node; its agents carry it in their environment, and so do their children. */
  String lifeId() {
    return lifeId;
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

  /**
   * Kills every process a previous life of this node left behind: the trees named by pid files, and
   * every process whose environment says it was started by this node in another life (children that
   * left the session, or agents started a moment before the crash, before their pid file was written).
   * Returns how many trees or processes it found alive.
   */
  public int killLeftovers() throws IOException, InterruptedException {
    int killed = killByPidFiles();
    for (int round = 0; round < 50; round++) {
      java.util.Set<Long> strays = strays();
      if (strays.isEmpty()) break;
      if (round == 0) {
        log.warn("killing {} processes started by an earlier run of this node", strays.size());
        killed += strays.size();
      }
      ProcessTree.signal(strays, true);
      Thread.sleep(100);
    }
    return killed;
  }

  /** Processes whose environment names this node and another life than this one. */
  private java.util.Set<Long> strays() {
    java.util.Set<Long> found = new java.util.TreeSet<>();
    byte[] node = (NODE_ENV + "=" + nodeId + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] life = (LIFE_ENV + "=" + lifeId + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : proc) {
        try {
          byte[] environ = Files.readAllBytes(p.resolve("environ"));
          if (contains(environ, node) && !contains(environ, life)) found.add(Long.parseLong(p.getFileName().toString()));
        } catch (IOException e) {
          // gone, or not ours to read
        }
      }
    } catch (IOException e) {
      return found;
    }
    found.removeIf(pid -> !ProcessTree.isRunning(pid));
    return found;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return true;
    }
    return false;
  }

  private int killByPidFiles() throws IOException {
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
