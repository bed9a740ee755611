package dev.brook.bench;

import java.util.Arrays;

/**
 * Latencies of one run, in nanoseconds, kept whole (a few million longs at most) so percentiles are
 * exact. Percentiles use the nearest-rank method: p99 of 100 values is the 99th smallest. One
 * recorder per thread; {@link #merge} them after the threads have stopped.
 */
final class Latencies {
  private long[] values = new long[1024];
  private int count;

  void record(long nanos) {
    if (count == values.length) {
      values = Arrays.copyOf(values, count * 2);
    }
    values[count++] = nanos;
  }

  int count() {
    return count;
  }

  /** All of {@code parts}' values in one new recorder. */
  static Latencies merge(Iterable<Latencies> parts) {
    Latencies all = new Latencies();
    for (Latencies p : parts) {
      for (int i = 0; i < p.count; i++) {
        all.record(p.values[i]);
      }
    }
    return all;
  }

  /**
   * The {@code q}-quantile (0 < q ≤ 1) by nearest rank, in milliseconds; NaN when empty.
   */
  double percentileMillis(double q) {
    if (q <= 0 || q > 1) {
      throw new IllegalArgumentException("quantile must be in (0, 1], not " + q);
    }
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * count); // 1-based
    return sorted[Math.max(rank, 1) - 1] / 1e6;
  }

  double maxMillis() {
    return count == 0 ? Double.NaN : Arrays.stream(values, 0, count).max().getAsLong() / 1e6;
  }
}
