package dev.overseer.agent;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One ticking timer per event loop and heartbeat interval, shared by every agent verticle on that loop.
 * With a timer of its own per agent, 10,000 agents kept 10,000 entries in the loop's scheduled-task
 * priority queue and paid O(log n) per heartbeat to run it; a shared tick walks a list. Each agent's
 * heartbeat still runs on (and sends from) the agent's own context. Touched only on its loop's thread,
 * except the registry of clocks.
 */
final class HeartbeatClock {
  private record Key(EventLoop loop, long intervalMillis) {}

  private static final Map<Key, HeartbeatClock> CLOCKS = new ConcurrentHashMap<>();

  /** Each agent's context and the heartbeat to run on it. */
  private final Map<Runnable, ContextInternal> beats = new LinkedHashMap<>();
  private ScheduledFuture<?> tick;

  /** Runs {@code beat} on {@code context} every {@code intervalMillis} until {@link #leave}. Call on that context. */
  static void join(Context context, long intervalMillis, Runnable beat) {
    ContextInternal ctx = (ContextInternal) context;
    Key key = new Key(ctx.nettyEventLoop(), intervalMillis);
    HeartbeatClock clock = CLOCKS.computeIfAbsent(key, k -> new HeartbeatClock());
    clock.beats.put(beat, ctx);
    if (clock.tick == null) {
      clock.tick = key.loop().scheduleAtFixedRate(clock::beatAll, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Stops running {@code beat}. Call on the context that joined. */
  static void leave(Context context, long intervalMillis, Runnable beat) {
    Key key = new Key(((ContextInternal) context).nettyEventLoop(), intervalMillis);
    HeartbeatClock clock = CLOCKS.get(key);
    if (clock == null) return;
    clock.beats.remove(beat);
    if (clock.beats.isEmpty() && clock.tick != null) {
      clock.tick.cancel(false);
      clock.tick = null;
      CLOCKS.remove(key, clock);
    }
  }

  private void beatAll() {
    List<Map.Entry<Runnable, ContextInternal>> now = new ArrayList<>(beats.entrySet()); // a beat may leave
    for (Map.Entry<Runnable, ContextInternal> beat : now) {
      if (beats.containsKey(beat.getKey())) beat.getValue().dispatch(beat.getKey());
    }
  }
}
