package dev.overseer.stream;

import dev.overseer.bus.Addresses;
import dev.overseer.store.EventStore;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the event feed: it runs the sequencer (only one node's run places events at a
 * time), reads newly positioned events in order, keeps the latest in a ring every live reader shares,
 * publishes each on the event bus, and wakes the cursors of connected clients. Used on one context.
 */
public final class EventHub {
  private static final Logger log = LoggerFactory.getLogger(EventHub.class);
  static final int RING_SIZE = 8192;
  private static final int SEQUENCE_BATCH = 5000;
  private static final int FETCH_BATCH = 1000;
  private static final long BUSY_MILLIS = 10;
  private static final long IDLE_MILLIS = 50;

  private final Vertx vertx;
  private final EventStore store;
  private final dev.overseer.store.QuietFailures failures =
      new dev.overseer.store.QuietFailures(LoggerFactory.getLogger(EventHub.class), "read and number events");
  private final StreamEvent[] ring = new StreamEvent[RING_SIZE];
  /** Positions in the ring are (ringLast - count, ringLast]; a position p sits at p % RING_SIZE. */
  private long ringLast = -1;
  private int count;
  private final Set<StreamCursor> cursors = new HashSet<>();
  private long timer = -1;
  private boolean ticking;
  private boolean wokenWhileTicking;
  private boolean stopped;

  private final java.util.function.BooleanSupplier publishes;

  /** @param publishes whether this node publishes the feed on the event bus (in a cluster, one node does) */
  public EventHub(Vertx vertx, EventStore store, java.util.function.BooleanSupplier publishes) {
    this.vertx = vertx;
    this.store = store;
    this.publishes = publishes;
  }

  public void start() {
    vertx.eventBus().localConsumer(Addresses.EVENTS_WAKE, m -> wake());
    vertx.eventBus().<String>consumer(Addresses.TOKEN_REVOKED, m -> {
      for (StreamCursor cursor : List.copyOf(cursors)) {
        if (cursor.actor().equals(m.body())) cursor.revoke();
      }
    });
    store.head().onComplete(head -> {
      ringLast = head.succeeded() ? head.result() : 0;
      schedule(0);
    });
  }

  public void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    List.copyOf(cursors).forEach(StreamCursor::shutdown);
  }

  EventStore store() {
    return store;
  }

  /** The newest position this node has read; -1 before it knows. */
  public long head() {
    return ringLast;
  }

  void register(StreamCursor cursor) {
    cursors.add(cursor);
  }

  void unregister(StreamCursor cursor) {
    cursors.remove(cursor);
  }

  public int connections() {
    return cursors.size();
  }

  /** Whether the event right after {@code position} is (or will next be) in the ring. */
  boolean covers(long position) {
    return ringLast >= 0 && position >= ringLast - count && position <= ringLast;
  }

  /** The event right after {@code position}, or null when the reader is caught up. Call only when {@link #covers}. */
  StreamEvent after(long position) {
    if (position >= ringLast) return null;
    return ring[(int) ((position + 1) % RING_SIZE)];
  }

  /** New events were committed here: look now if idle; a tick under way is followed by another soon. */
  private void wake() {
    if (stopped || ringLast < 0) return;
    if (ticking) {
      wokenWhileTicking = true;
    } else if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
      tick();
    }
  }

  private void schedule(long delay) {
    if (stopped) return;
    timer = delay == 0 ? -1 : vertx.setTimer(delay, id -> tick());
    if (delay == 0) vertx.runOnContext(v -> tick());
  }

  private void tick() {
    if (ticking || stopped) return;
    ticking = true;
    store.advance(SEQUENCE_BATCH)
        .compose(placed -> store.after(ringLast, StreamFilter.ALL, FETCH_BATCH).map(page -> {
          append(page);
          return placed > 0 || page.events().size() == FETCH_BATCH;
        }))
        .onComplete(done -> {
          ticking = false;
          if (done.failed()) failures.failed(done.cause());
          else failures.succeeded();
          boolean busy = done.succeeded() && (done.result() || wokenWhileTicking);
          wokenWhileTicking = false;
          schedule(busy ? BUSY_MILLIS : IDLE_MILLIS);
        });
  }

  private void append(EventStore.Page page) {
    if (page.events().isEmpty()) return;
    boolean publish = publishes.getAsBoolean();
    for (StreamEvent e : page.events()) {
      ring[(int) (e.position() % RING_SIZE)] = e;
      ringLast = e.position();
      count = Math.min(RING_SIZE - 1, count + 1);
      if (publish) {
        var json = e.toJson();
        vertx.eventBus().publish(Addresses.EVENTS, json);
        if (e.taskId() != null) vertx.eventBus().publish(Addresses.EVENTS + ".task." + e.taskId(), json);
      }
    }
    for (StreamCursor cursor : new ArrayList<>(cursors)) cursor.pump();
  }
}
