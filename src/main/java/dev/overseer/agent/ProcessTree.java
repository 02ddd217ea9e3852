package dev.overseer.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every process of an agent: it starts as the leader of its own session ({@code setsid}), so its
 * children, and grandchildren that double-forked away from it, keep its session id; descendants that
 * left the session are still found through their parent links. Blocking (reads /proc): call it from a
 * worker thread.
 */
public final class ProcessTree {
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private ProcessTree() {}

  /** The argv prefix that makes the agent a session leader, when this machine has setsid. */
  public static Optional<String> sessionLauncher() {
    return Files.isExecutable(SETSID) ? Optional.of(SETSID.toString()) : Optional.empty();
  }

  /**
   * The leader (if alive), every process in its session, and every descendant of either. One pass over
   * /proc: each process's parent and session come from its stat line.
   */
  public static Set<Long> members(long leaderPid) {
    Map<Long, List<Long>> children = new HashMap<>();
    Set<Long> pids = new TreeSet<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : proc) {
        long pid = Long.parseLong(dir.getFileName().toString());
        long[] parentAndSession = parentAndSession(pid);
        if (parentAndSession == null) continue;
        children.computeIfAbsent(parentAndSession[0], k -> new ArrayList<>()).add(pid);
        if (pid == leaderPid || parentAndSession[1] == leaderPid) pids.add(pid);
      }
    } catch (IOException e) {
      // no /proc: follow the parent links Java knows
      ProcessHandle.of(leaderPid).ifPresent(h -> {
        pids.add(h.pid());
        h.descendants().forEach(d -> pids.add(d.pid()));
      });
      pids.removeIf(pid -> !isRunning(pid));
      return pids;
    }
    ArrayDeque<Long> toVisit = new ArrayDeque<>(pids);
    while (!toVisit.isEmpty()) {
      for (long child : children.getOrDefault(toVisit.removeFirst(), List.of())) {
        if (pids.add(child)) toVisit.addLast(child);
      }
    }
    pids.removeIf(pid -> !isRunning(pid));
    return pids;
  }

  /** SIGTERM ({@code force=false}) or SIGKILL to each process. */
  public static void signal(Set<Long> pids, boolean force) {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(h -> {
        if (force) h.destroyForcibly();
        else h.destroy();
      });
    }
  }

  /** Whether a process runs; a zombie waiting to be reaped does not. */
  public static boolean isRunning(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  /** The process's start time, to tell it from a later process that reused its pid. */
  public static Optional<Instant> startTime(long pid) {
    return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant());
  }

  /** {parent pid, session id} from /proc/PID/stat, or null when the process is gone or a zombie. */
  private static long[] parentAndSession(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      if (fields[0].equals("Z") || fields[0].equals("X")) return null;
      return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[3])}; // state ppid pgrp session
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
