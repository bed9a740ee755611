package dev.brook.cli.logging;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Properties;
import org.slf4j.event.Level;

/**
 * slf4j-simple's settings, read the way it reads them: system properties first, then {@code
 * simplelogger.properties} on the class path, or the file named by {@value #CONFIG_FILE_PROPERTY}
 * instead (the release archive's {@code config/logging.properties}). Honoured: {@code defaultLogLevel}, {@code log.<name>}
 * (the nearest dotted prefix wins), {@code logFile} ({@code System.err}, {@code System.out} or a
 * file appended to), {@code showDateTime}, {@code showThreadName}, {@code showShortLogName}; all
 * under {@code org.slf4j.simpleLogger.}. The date format is always ISO 8601 with the zone offset.
 */
final class LogSettings {
  static final String PREFIX = "org.slf4j.simpleLogger.";
  /** A file to read the settings from instead of the class path's {@code simplelogger.properties}. */
  static final String CONFIG_FILE_PROPERTY = "brook.logging.config";
  /** Above ERROR: nothing is written. */
  static final int OFF = Level.ERROR.toInt() + 10;

  private final Properties file;
  private final int defaultLevel;
  private final boolean showDateTime;
  private final boolean showThreadName;
  private final boolean showShortLogName;

  LogSettings(Properties file) {
    this.file = file;
    this.defaultLevel = parseLevel(get("defaultLogLevel"), Level.INFO.toInt());
    this.showDateTime = Boolean.parseBoolean(getOr("showDateTime", "false"));
    this.showThreadName = Boolean.parseBoolean(getOr("showThreadName", "true"));
    this.showShortLogName = Boolean.parseBoolean(getOr("showShortLogName", "false"));
  }

  static LogSettings load() {
    Properties p = new Properties();
    String path = System.getProperty(CONFIG_FILE_PROPERTY);
    try (InputStream in = path != null ? new FileInputStream(path)
        : LogSettings.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // As slf4j-simple: an unreadable file means defaults.
    }
    return new LogSettings(p);
  }

  private String get(String key) {
    String v = System.getProperty(PREFIX + key);
    return v != null ? v : file.getProperty(PREFIX + key);
  }

  private String getOr(String key, String fallback) {
    String v = get(key);
    return v != null ? v.trim() : fallback;
  }

  /** The threshold for {@code name}: the setting of its longest dotted prefix, else the default. */
  int levelOf(String name) {
    String n = name;
    while (true) {
      String v = get("log." + n);
      if (v != null) {
        return parseLevel(v, defaultLevel);
      }
      int dot = n.lastIndexOf('.');
      if (dot < 0) {
        return defaultLevel;
      }
      n = n.substring(0, dot);
    }
  }

  static int parseLevel(String text, int fallback) {
    if (text == null) {
      return fallback;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE.toInt();
      case "debug" -> Level.DEBUG.toInt();
      case "info" -> Level.INFO.toInt();
      case "warn" -> Level.WARN.toInt();
      case "error" -> Level.ERROR.toInt();
      case "off" -> OFF;
      default -> fallback;
    };
  }

  PrintStream openTarget() {
    String f = getOr("logFile", "System.err");
    if (f.equalsIgnoreCase("System.err")) {
      return System.err;
    }
    if (f.equalsIgnoreCase("System.out")) {
      return System.out;
    }
    try {
      return new PrintStream(new FileOutputStream(f, true), false);
    } catch (IOException e) {
      System.err.println("brook: cannot open log file " + f + " (" + e.getMessage() + "); logging to stderr");
      return System.err;
    }
  }

  boolean showDateTime() {
    return showDateTime;
  }

  boolean showThreadName() {
    return showThreadName;
  }

  boolean showShortLogName() {
    return showShortLogName;
  }
}
