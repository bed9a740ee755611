package dev.brook.broker.quota;

/**
 * A rate over the last {@code samples} windows of {@code windowMs} each, as Kafka's quota metrics
 * measure it: the sum of the recorded values divided by the time the samples cover (at least all but
 * the current window, so that the first burst of a new client is measured over a full span rather
 * than over the milliseconds it has existed). Thread-safe.
 */
final class RateWindow {
  private final long windowMs;
  private final long[] starts;
  private final double[] sums;
  private int current;
  private volatile long lastRecordMs;

  RateWindow(int samples, long windowMs, long nowMs) {
    this.windowMs = windowMs;
    this.starts = new long[samples];
    this.sums = new double[samples];
    java.util.Arrays.fill(starts, Long.MIN_VALUE);
    starts[0] = nowMs;
    lastRecordMs = nowMs;
  }

  /** When a value was last recorded (or the window made): what idle expiry looks at. */
  long lastRecordMs() {
    return lastRecordMs;
  }

  /** Records {@code value} at {@code nowMs} and returns the rate per second including it. */
  synchronized double record(double value, long nowMs) {
    advance(nowMs);
    lastRecordMs = nowMs;
    sums[current] += value;
    return rate(nowMs);
  }

  synchronized double rate(long nowMs) {
    advance(nowMs);
    double total = 0;
    long oldest = nowMs;
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] == Long.MIN_VALUE || nowMs - starts[i] >= windowMs * starts.length) continue;
      total += sums[i];
      oldest = Math.min(oldest, starts[i]);
    }
    long elapsed = Math.max(nowMs - oldest, windowMs * (starts.length - 1));
    return total * 1000.0 / Math.max(1, elapsed);
  }

  /** The time the rate is measured over now, in ms (what a throttle is computed against). */
  synchronized long spanMs(long nowMs) {
    long oldest = nowMs;
    for (long s : starts) if (s != Long.MIN_VALUE && nowMs - s < windowMs * starts.length) oldest = Math.min(oldest, s);
    return Math.max(nowMs - oldest, windowMs * (starts.length - 1));
  }

  private void advance(long nowMs) {
    if (nowMs - starts[current] < windowMs) return;
    current = (current + 1) % starts.length;
    starts[current] = nowMs;
    sums[current] = 0;
  }
}
