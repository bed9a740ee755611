package dev.brook.storage.cleaner;

import dev.brook.storage.Clock;

/**
 * Keeps the cleaner's I/O under {@code log.cleaner.io.max.bytes.per.second}: the cleaner reports the
 * bytes it reads and writes, and the throttler sleeps it whenever the rate observed since the last
 * check, measured over at least {@code checkIntervalMs}, is above the limit — just long enough to
 * bring the rate of that interval back to the limit.
 *
 * <p>Thread-safe: the cleaner threads share one throttler, so the limit holds for all of them
 * together, as in Kafka.
 */
public final class Throttler {
  /** Sleeps the calling thread; replaced by tests. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final double bytesPerSecond;
  private final long checkIntervalNs;
  private final Clock clock;
  private final Sleeper sleeper;
  private long periodStartNs;
  private double observedSoFar;
  private long totalSleptMs;

  public Throttler(double bytesPerSecond, long checkIntervalMs, Clock clock, Sleeper sleeper) {
    if (!(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.checkIntervalNs = checkIntervalMs * 1_000_000L;
    this.clock = clock;
    this.sleeper = sleeper;
    this.periodStartNs = clock.nanoseconds();
  }

  public Throttler(double bytesPerSecond, Clock clock) {
    this(bytesPerSecond, 300, clock, Thread::sleep);
  }

  /** A throttler that never sleeps (the default limit, Double.MAX_VALUE). */
  public static Throttler unlimited(Clock clock) {
    return new Throttler(Double.MAX_VALUE, 300, clock, ms -> {});
  }

  /** Accounts {@code bytes} of I/O and sleeps if the rate is over the limit. */
  public void maybeThrottle(long bytes) throws InterruptedException {
    if (bytesPerSecond == Double.MAX_VALUE) {
      return;
    }
    long sleepMs;
    synchronized (this) {
      observedSoFar += bytes;
      long now = clock.nanoseconds();
      long elapsedNs = now - periodStartNs;
      if (elapsedNs <= checkIntervalNs) {
        return;
      }
      double rate = observedSoFar * 1e9 / elapsedNs;
      sleepMs = 0;
      if (rate > bytesPerSecond) {
        // The interval should have lasted observed / limit seconds; sleep the difference.
        double desiredNs = observedSoFar * 1e9 / bytesPerSecond;
        sleepMs = (long) Math.ceil((desiredNs - elapsedNs) / 1e6);
      }
      periodStartNs = now + sleepMs * 1_000_000L;
      observedSoFar = 0;
      totalSleptMs += sleepMs;
    }
    if (sleepMs > 0) {
      sleeper.sleep(sleepMs);
    }
  }

  public double bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Milliseconds of sleep imposed so far. */
  public synchronized long totalSleptMs() {
    return totalSleptMs;
  }
}
