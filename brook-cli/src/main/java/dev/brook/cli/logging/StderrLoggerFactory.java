package dev.brook.cli.logging;

import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** One {@link StderrLogger} per name, its level fixed when it is first asked for. */
final class StderrLoggerFactory implements ILoggerFactory {
  private final LogSettings settings;
  private final PrintStream target;
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

  StderrLoggerFactory(LogSettings settings, PrintStream target) {
    this.settings = settings;
    this.target = target;
  }

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> new StderrLogger(n, settings.levelOf(n), settings, target));
  }
}
