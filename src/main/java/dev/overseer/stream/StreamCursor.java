package dev.overseer.stream;

import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * One client's place in the feed. It reads the backlog from PostgreSQL page by page, then follows the
 * hub's ring, always in position order and never writing more than the connection accepts: a slow
 * client costs one page and its socket's write queue, however far behind it is. A client whose socket
 * stays full for {@code slowClientTimeout} is closed, and resumes with {@code after}.
 */
final class StreamCursor {
  static final int PAGE = 500;

  private final Vertx vertx;
  private final EventHub hub;
  private final StreamFilter filter;
  private final StreamSink sink;
  private final String actor;
  private final long slowClientMillis;
  private long lastSent;
  private boolean fetching;
  private boolean closed;
  private long slowTimer = -1;

  StreamCursor(Vertx vertx, EventHub hub, String actor, StreamFilter filter, long after, StreamSink sink,
      Duration slowClientTimeout) {
    this.actor = actor;
    this.vertx = vertx;
    this.hub = hub;
    this.filter = filter;
    this.lastSent = after;
    this.sink = sink;
    this.slowClientMillis = slowClientTimeout.toMillis();
  }

  void start() {
    hub.register(this);
    sink.onClose(this::close);
    pump();
  }

  String actor() {
    return actor;
  }

  void shutdown() {
    if (closed) return;
    sink.closeShutdown();
    close();
  }

  void revoke() {
    if (closed) return;
    sink.closeRevoked();
    close();
  }

  void close() {
    closed = true;
    vertx.cancelTimer(slowTimer);
    hub.unregister(this);
  }

  /** Writes what the client can take now; called on new events, on drain and when a page arrives. */
  void pump() {
    if (closed || fetching) return;
    while (!sink.writeQueueFull()) {
      if (lastSent >= hub.head()) return; // caught up: the hub calls again when there is more
      if (!hub.covers(lastSent)) {
        fetchBacklog();
        return;
      }
      StreamEvent next = hub.after(lastSent);
      lastSent = next.position();
      if (filter.matches(next)) sink.send(next);
    }
    waitForDrain();
  }

  private void fetchBacklog() {
    fetching = true;
    hub.store().after(lastSent, filter, PAGE).onComplete(page -> {
      fetching = false;
      if (closed) return;
      if (page.failed()) {
        vertx.setTimer(500, id -> pump()); // the database is away for a moment: try again
        return;
      }
      page.result().events().forEach(sink::send); // one page at most beyond the write queue
      lastSent = Math.max(lastSent, page.result().reached());
      pump();
    });
  }

  private void waitForDrain() {
    if (slowTimer >= 0) return;
    sink.onDrain(() -> {
      vertx.cancelTimer(slowTimer);
      slowTimer = -1;
      pump();
    });
    slowTimer = vertx.setTimer(slowClientMillis, id -> {
      slowTimer = -1;
      if (!closed && sink.writeQueueFull()) {
        sink.closeTooSlow(lastSent);
        close();
      }
    });
  }
}
