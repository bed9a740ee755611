package dev.brook.cli.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Brook's SLF4J backend for {@code bin/brook}: one line per event on stderr, levels per logger name.
 * It reads slf4j-simple's settings ({@code simplelogger.properties}, {@code org.slf4j.simpleLogger.*}
 * system properties; see {@link LogSettings}) and writes the lines slf4j-simple wrote with Brook's
 * settings, so nothing changes for a user.
 *
 * <p>Why not slf4j-simple itself: it formats timestamps with {@code SimpleDateFormat}, whose
 * locale data took ~35 ms to load at every broker start, on the path to the first answer; this
 * formats them by hand ({@link LogLine}). {@code bin/brook} names this class in {@code slf4j.provider}
 * so that SLF4J does not search the class path for providers either.
 */
public final class StderrLoggerProvider implements SLF4JServiceProvider {
  private ILoggerFactory loggers;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    LogSettings settings = LogSettings.load();
    loggers = new StderrLoggerFactory(settings, settings.openTarget());
  }
}
