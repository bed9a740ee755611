package dev.brook.storage;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Diagnostics for what an append waits on (issue 16, the produce p99 with segment rolls): the wall
 * time of every append of every log in the process, from the call to its return, split by kind — the
 * append that rolled, appends within 100 ms after a roll of any log (the flusher's work on the rolled
 * segment runs then, on a file system every log shares), and the others — and within each append by
 * part: waiting for the log's lock, the roll, the {@code write} of the batches, the index entries
 * (stores into mapped pages, so page faults). The flusher's tasks are timed too (making the next
 * segment's files, the rolled segment's index trim and fsync, the producer snapshot and the
 * directory's fsync), to line up with the appends that wait.
 *
 * <p>Off unless the JVM runs with {@code -Dbrook.storage.appendTimings=true}: then the summary is
 * logged at INFO when a {@link LogManager} closes. Recording is lock-free (log-scale buckets, about
 * 9 % wide), safe from every appending thread; it allocates nothing.
 */
public final class AppendTimings {
  private static final Logger LOG = LoggerFactory.getLogger(AppendTimings.class);

  public static final boolean ON = Boolean.getBoolean("brook.storage.appendTimings");

  /** Appends this long after a roll (of any log) count as "after a roll". */
  private static final long AFTER_ROLL_NS = 100_000_000L;

  /** What was timed: appends by kind, and the flusher's work after a roll ({@link #FLUSHER}). */
  enum Kind { ROLLED, AFTER_ROLL, OTHER, FLUSHER }

  /** Parts of an append, then the flusher's tasks. */
  enum Part { TOTAL, LOCK_WAIT, ROLL, WRITE, INDEX, PREPARE, TRIM, FSYNC_SEGMENT, SNAPSHOT, FSYNC_DIR }

  private static final int SUB_BITS = 3;
  private static final int BUCKETS = 64 << SUB_BITS;
  private static final AtomicLongArray COUNTS = new AtomicLongArray(Kind.values().length * Part.values().length * BUCKETS);
  private static final AtomicLongArray MAX = new AtomicLongArray(Kind.values().length * Part.values().length);
  private static volatile long lastRollNs = Long.MIN_VALUE / 2;

  private AppendTimings() {}

  /** A roll happened now (the rolling append records itself as {@link Kind#ROLLED}). */
  static void rolled(long nowNs) {
    lastRollNs = nowNs;
  }

  /** The kind of an append that began at {@code startNs} and did not roll. */
  static Kind kindOf(long startNs) {
    return startNs - lastRollNs <= AFTER_ROLL_NS ? Kind.AFTER_ROLL : Kind.OTHER;
  }

  static void record(Kind kind, Part part, long ns) {
    int series = kind.ordinal() * Part.values().length + part.ordinal();
    COUNTS.incrementAndGet(series * BUCKETS + bucket(Math.max(ns, 1)));
    long m;
    while (ns > (m = MAX.get(series)) && !MAX.compareAndSet(series, m, ns)) {
      // retry: another thread raised it
    }
  }

  private static int bucket(long ns) {
    int msb = 63 - Long.numberOfLeadingZeros(ns);
    if (msb < SUB_BITS) {
      return (int) ns;
    }
    int sub = (int) (ns >>> (msb - SUB_BITS)) & ((1 << SUB_BITS) - 1);
    return ((msb - SUB_BITS + 1) << SUB_BITS) + sub;
  }

  /** The upper end of a bucket, in ns. */
  private static long bucketHigh(int b) {
    if (b < (1 << SUB_BITS)) {
      return b;
    }
    int msb = (b >>> SUB_BITS) + SUB_BITS - 1;
    int sub = b & ((1 << SUB_BITS) - 1);
    return ((long) ((1 << SUB_BITS) + sub + 1) << (msb - SUB_BITS)) - 1;
  }

  /** One line per kind and part: count, p50, p99, p99.9, max (µs), and the summed time (ms). */
  public static String summary() {
    StringBuilder sb = new StringBuilder("append timings (us: p50 / p99 / p99.9 / max; sum ms):");
    for (Kind k : Kind.values()) {
      for (Part p : Part.values()) {
        int series = k.ordinal() * Part.values().length + p.ordinal();
        long n = 0;
        double sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
          long c = COUNTS.get(series * BUCKETS + b);
          n += c;
          sum += c * (double) bucketHigh(b);
        }
        if (n == 0) {
          continue;
        }
        sb.append(String.format(Locale.ROOT, "%n  %-10s %-9s n=%-8d %9.1f %9.1f %9.1f %9.1f  sum %.1f", k, p, n,
            quantile(series, n, 0.5) / 1e3, quantile(series, n, 0.99) / 1e3, quantile(series, n, 0.999) / 1e3,
            MAX.get(series) / 1e3, sum / 1e6));
      }
    }
    return sb.toString();
  }

  private static long quantile(int series, long n, double q) {
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += COUNTS.get(series * BUCKETS + b);
      if (seen >= rank) {
        return bucketHigh(b);
      }
    }
    return 0;
  }

  /** Logs the summary if recording is on. */
  static void report() {
    if (ON) {
      LOG.info(summary());
    }
  }
}
