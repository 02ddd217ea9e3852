package dev.overseer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Proves the suite's blocked-thread guard can fail: a deliberately blocked event loop is caught. */
class BlockedThreadWarningsTest {
  @Test
  void catches_a_blocked_event_loop() throws Exception {
    int mark = BlockedThreadWarnings.mark();
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(50).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(20));
    try {
      vertx.runOnContext(v -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (BlockedThreadWarnings.since(mark).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    assertThat(BlockedThreadWarnings.since(mark)).isNotEmpty();
    assertThat(BlockedThreadWarnings.since(mark).get(0)).contains("has been blocked");
  }
}
