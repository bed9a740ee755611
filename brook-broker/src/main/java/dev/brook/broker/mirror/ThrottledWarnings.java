package dev.brook.broker.mirror;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Warnings of a condition that persists (a source that does not answer, a link that cannot be
 * used), logged at most once a minute per key so a retry every tick does not fill the log. Not
 * thread-safe: each thread that warns has its own instance.
 */
final class ThrottledWarnings {
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Logger log;
  private final LongSupplier nanoClock;
  private final Map<String, Long> warnedAt = new HashMap<>();

  ThrottledWarnings(Logger log, LongSupplier nanoClock) {
    this.log = log;
    this.nanoClock = nanoClock;
  }

  /** Logs {@code format} at WARN unless {@code key} was warned of less than a minute ago; whether it logged. */
  boolean warn(String key, String format, Object... args) {
    long now = nanoClock.getAsLong();
    Long last = warnedAt.get(key);
    if (last != null && now - last < INTERVAL_NANOS) return false;
    warnedAt.put(key, now);
    log.warn(format, args);
    return true;
  }
}
