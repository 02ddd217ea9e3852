package dev.overseer.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition with a deadline: tests wait on what they expect, never on a bare sleep. */
public final class Await {
  private Await() {}

  /** Returns the first value that satisfies {@code done}; fails with {@code what} at the deadline. */
  public static <T> T until(String what, Duration deadline, Supplier<T> probe, java.util.function.Predicate<T> done) {
    long until = System.nanoTime() + deadline.toNanos();
    T last = null;
    while (System.nanoTime() < until) {
      last = probe.get();
      if (done.test(last)) return last;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
    throw new AssertionError("timed out after " + deadline + " waiting for " + what + "; last seen: " + last);
  }

  /** Checks that {@code condition} holds throughout {@code window}: for things that must not happen. */
  public static <T> void holds(String what, Duration window, Supplier<T> probe, java.util.function.Predicate<T> condition) {
    long until = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < until) {
      T seen = probe.get();
      if (!condition.test(seen)) throw new AssertionError("expected " + what + " throughout " + window + "; saw " + seen);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while checking " + what);
      }
    }
  }
}
