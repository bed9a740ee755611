package dev.brook.cli.logging;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.slf4j.event.Level;

/**
 * The text of one event: {@code 2026-11-26T02:08:34.140+0000 INFO Broker - message} (the time in
 * the JVM's time zone with its offset, then the level, the logger's short name, the message), as
 * slf4j-simple printed it with {@code dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ}. Formatted by hand:
 * no locale data is needed for digits.
 */
final class LogLine {
  private static final ZoneId ZONE = ZoneId.systemDefault();

  private LogLine() {}

  static String format(LogSettings s, long epochMillis, String thread, Level level, String logger, String message) {
    StringBuilder b = new StringBuilder(64 + message.length());
    if (s.showDateTime()) {
      appendTime(b, epochMillis, ZONE);
      b.append(' ');
    }
    if (s.showThreadName()) {
      b.append('[').append(thread).append("] ");
    }
    b.append(level.name()).append(' ');
    b.append(s.showShortLogName() ? logger.substring(logger.lastIndexOf('.') + 1) : logger);
    b.append(" - ").append(message);
    return b.toString();
  }

  static void appendTime(StringBuilder b, long epochMillis, ZoneId zone) {
    Instant instant = Instant.ofEpochMilli(epochMillis);
    ZoneOffset offset = zone.getRules().getOffset(instant);
    LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000),
        (int) Math.floorMod(epochMillis, 1000) * 1_000_000, offset);
    pad(b, t.getYear(), 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append('T');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2).append('.');
    pad(b, t.getNano() / 1_000_000, 3);
    int seconds = offset.getTotalSeconds();
    b.append(seconds < 0 ? '-' : '+');
    int abs = Math.abs(seconds);
    pad(b, abs / 3600, 2);
    pad(b, abs / 60 % 60, 2);
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(digits);
  }
}
