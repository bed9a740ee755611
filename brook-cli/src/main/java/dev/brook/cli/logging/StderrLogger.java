package dev.brook.cli.logging;

import java.io.PrintStream;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger that writes events at or above its level as {@link LogLine}s to one stream. */
final class StderrLogger extends LegacyAbstractLogger {
  private final int threshold; // Level.toInt() of the lowest level written; above ERROR for "off"
  private final LogSettings settings;
  private final transient PrintStream target;

  StderrLogger(String name, int threshold, LogSettings settings, PrintStream target) {
    this.name = name;
    this.threshold = threshold;
    this.settings = settings;
    this.target = target;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
    String line = LogLine.format(settings, System.currentTimeMillis(), Thread.currentThread().getName(), level, name, message);
    // One write per event (and its stack trace) so that lines of concurrent threads do not interleave.
    synchronized (target) {
      target.println(line);
      if (throwable != null) {
        throwable.printStackTrace(target);
      }
      target.flush();
    }
  }
}
