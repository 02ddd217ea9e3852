package dev.overseer.health;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late timers fire on an event loop: deployed once per event loop, each instance notes the
 * worst lag it saw recently. A blocked loop shows as a large lag, and the readiness probe reports it.
 */
public final class EventLoopWatch extends VerticleBase {
  static final long TICK_MILLIS = 100;
  private final AtomicLong worstRecentLagMillis;
  private long timer = -1;

  public EventLoopWatch(AtomicLong worstRecentLagMillis) {
    this.worstRecentLagMillis = worstRecentLagMillis;
  }

  @Override
  public Future<?> start() {
    long[] expected = {System.currentTimeMillis() + TICK_MILLIS};
    timer = vertx.setPeriodic(TICK_MILLIS, id -> {
      long now = System.currentTimeMillis();
      long lag = Math.max(0, now - expected[0]);
      expected[0] = now + TICK_MILLIS;
      worstRecentLagMillis.accumulateAndGet(lag, Math::max);
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
