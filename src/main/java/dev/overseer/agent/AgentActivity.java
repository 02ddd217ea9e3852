package dev.overseer.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What an agent reported lately. Written by the agent (from any thread: a process agent's readers run
 * on threads of their own), read by its verticle at each heartbeat: nothing here queues per line, so a
 * chatty agent costs constant memory.
 */
public final class AgentActivity {
  private static final int LOG_TAIL = 20;
  /** Lines waiting for the next heartbeat to carry them to the supervisor; beyond this they are counted, not kept. */
  static final int MAX_PENDING_LINES = 5000;

  /** The latest progress an agent reported. */
  public record Progress(Integer percent, String message) {}

  private final AtomicLong lastActivityMillis = new AtomicLong(System.currentTimeMillis());
  private final AtomicReference<Progress> progress = new AtomicReference<>();
  private volatile boolean silent;
  private final ArrayDeque<String> logTail = new ArrayDeque<>();
  private final ArrayDeque<LogLine> pending = new ArrayDeque<>();
  private long droppedLines;

  /** One line an agent logged: which stream, its level if it said one, the text. */
  public record LogLine(String stream, String level, String message) {}

  /** Any sign of life: output, progress, an explicit heartbeat. */
  public void touch() {
    lastActivityMillis.set(System.currentTimeMillis());
  }

  public void progress(Integer percent, String message) {
    progress.set(new Progress(percent, message));
    touch();
  }

  public void log(String line) {
    log("stdout", null, line);
  }

  public void log(String stream, String level, String line) {
    synchronized (logTail) {
      if (logTail.size() == LOG_TAIL) logTail.removeFirst();
      logTail.addLast(line);
      if (pending.size() < MAX_PENDING_LINES) pending.addLast(new LogLine(stream, level, line));
      else droppedLines++;
    }
    touch();
  }

  /** Takes the lines logged since the last call, and how many were dropped because they came too fast. */
  public Drained drain() {
    synchronized (logTail) {
      Drained drained = new Drained(new ArrayList<>(pending), droppedLines);
      pending.clear();
      droppedLines = 0;
      return drained;
    }
  }

  /** Lines taken from the activity in one go. */
  public record Drained(List<LogLine> lines, long dropped) {}

  /** Stops the agent's heartbeats for good, as a wedged agent would (the builtin sleep agent's silentAfterMs). */
  void silence() {
    silent = true;
  }

  boolean silent() {
    return silent;
  }

  public long lastActivityMillis() {
    return lastActivityMillis.get();
  }

  public Progress progress() {
    return progress.get();
  }

  /** The last few log lines, kept for the error of a failed attempt. */
  public List<String> logTail() {
    synchronized (logTail) {
      return new ArrayList<>(logTail);
    }
  }
}
