package dev.brook.bench;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker's own report that it has loaded a {@code __consumer_offsets} partition, read from its
 * log: Brook's coordinator logs {@code <ISO time> INFO GroupCoordinator - Loaded 100 groups from
 * __consumer_offsets-0 (1000000 records)}. Any line with a leading timestamp that says "loaded"
 * (any case) and names the partition matches, so a reworded line of a new coordinator still does;
 * the record count is read when the line gives one.
 *
 * @param epochMillis the line's timestamp
 * @param records the records the line reports, or -1 when it gives none
 */
record LoadLogLine(long epochMillis, long records) {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");
  private static final Pattern RECORDS = Pattern.compile("\\((\\d+) records?\\)");

  /** The first line of {@code log} that reports loading {@code __consumer_offsets-<partition>}. */
  static Optional<LoadLogLine> find(String log, int partition) {
    Pattern loaded = Pattern.compile("(?i)\\bloaded\\b.*__consumer_offsets-" + partition + "\\b");
    for (String line : log.split("\\R")) {
      if (!loaded.matcher(line).find()) {
        continue;
      }
      int space = line.indexOf(' ');
      if (space < 0) {
        continue;
      }
      try {
        long millis = OffsetDateTime.parse(line.substring(0, space), TIME).toInstant().toEpochMilli();
        Matcher m = RECORDS.matcher(line);
        return Optional.of(new LoadLogLine(millis, m.find() ? Long.parseLong(m.group(1)) : -1));
      } catch (DateTimeParseException e) {
        // not a timestamped log line (a stack trace, a continuation): keep looking
      }
    }
    return Optional.empty();
  }
}
