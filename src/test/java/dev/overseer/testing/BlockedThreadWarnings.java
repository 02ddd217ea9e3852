package dev.overseer.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects Vert.x's blocked-thread warnings during the tests (configured in logback-test.xml), so the
 * suite can fail on them: a blocked event loop is a bug even when every assertion passes.
 */
public final class BlockedThreadWarnings extends AppenderBase<ILoggingEvent> {
  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    WARNINGS.add(event.getFormattedMessage());
  }

  /** A mark to pass to {@link #since}. */
  public static int mark() {
    return WARNINGS.size();
  }

  public static List<String> since(int mark) {
    return List.copyOf(WARNINGS.subList(mark, WARNINGS.size()));
  }
}
