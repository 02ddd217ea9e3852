package dev.overseer.task;

import java.security.SecureRandom;
import java.util.UUID;

/** UUIDv7 (RFC 9562): time-ordered, so new task ids land at the right edge of the primary-key index. */
public final class Uuids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Uuids() {}

  public static UUID v7() {
    long millis = System.currentTimeMillis();
    long high = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0FFFL);
    long low = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low);
  }
}
