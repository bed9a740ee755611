package dev.brook.broker.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The reservoir behind the request-time histograms ({@code TotalTimeMs}, {@code LocalTimeMs}, …): the
 * values of roughly the last minute, in HdrHistogram's {@link Recorder}, whose record is wait-free and
 * allocates nothing. Dropwizard's exponentially decaying reservoir (Kafka's choice, through Yammer) puts
 * each value into a {@code ConcurrentSkipListMap}: with five values per request that was 11 % of a
 * broker's CPU on small produce requests ({@code bench/scaling --only metrics}, issue 18).
 *
 * <p>What "recent" means: values are gathered from the recorder when a snapshot is taken (a JMX read,
 * a {@code /metrics} scrape, the console), into the interval of {@link #INTERVAL_NS} that is current
 * then; a snapshot covers the last {@link #INTERVALS} intervals. Values recorded while nobody reads
 * count in the interval of the next read. Percentiles are HdrHistogram's, at two significant digits
 * (exact up to 255 ms, within 1 % above).
 *
 * <p>Each event loop records into a recorder of its own ({@link SingleWriterRecorder}: two uncontended
 * atomic increments and a plain one per value); other threads share one multi-writer {@link Recorder}
 * (several more atomics, on shared cache lines). Event loops live as long as the broker, so their
 * recorders are few and never need dropping. Updates from any thread; snapshots serialize among
 * themselves.
 */
final class RecentValuesReservoir implements Reservoir {
  static final long INTERVAL_NS = 10_000_000_000L;
  static final int INTERVALS = 6;
  private static final int DIGITS = 2;
  /** How many values {@link Snapshot#getValues()} returns: the distribution at as many quantiles. */
  private static final int VALUES = 1028;

  private final Recorder shared = new Recorder(DIGITS);
  private final List<SingleWriterRecorder> loops = new CopyOnWriteArrayList<>();
  private final ThreadLocal<SingleWriterRecorder> own = ThreadLocal.withInitial(() -> {
    SingleWriterRecorder r = new SingleWriterRecorder(DIGITS);
    loops.add(r);
    return r;
  });
  private final Clock clock;
  /** Guarded by this: one histogram per interval of the ring, and the interval number it holds. */
  private final Histogram[] intervals = new Histogram[INTERVALS];
  private final long[] intervalNumbers = new long[INTERVALS];

  RecentValuesReservoir(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void update(long value) {
    long v = Math.max(0, value);
    if (Thread.currentThread() instanceof FastThreadLocalThread) {
      own.get().recordValue(v);
    } else {
      shared.recordValue(v);
    }
  }

  @Override
  public int size() {
    return getSnapshot().size();
  }

  @Override
  public synchronized Snapshot getSnapshot() {
    long now = clock.getTick() / INTERVAL_NS;
    int slot = (int) Math.floorMod(now, (long) INTERVALS);
    if (intervals[slot] == null) {
      intervals[slot] = new Histogram(DIGITS);
    } else if (intervalNumbers[slot] != now) {
      intervals[slot].reset();
    }
    intervalNumbers[slot] = now;
    intervals[slot].add(shared.getIntervalHistogram());
    for (SingleWriterRecorder r : loops) intervals[slot].add(r.getIntervalHistogram());
    Histogram recent = new Histogram(DIGITS);
    for (int i = 0; i < INTERVALS; i++) {
      if (intervals[i] != null && now - intervalNumbers[i] < INTERVALS) recent.add(intervals[i]);
    }
    return new HdrSnapshot(recent);
  }

  /** A Dropwizard snapshot read from an HdrHistogram (which does all the arithmetic). */
  static final class HdrSnapshot extends Snapshot {
    private final Histogram h;

    HdrSnapshot(Histogram h) {
      this.h = h;
    }

    @Override
    public double getValue(double quantile) {
      if (Double.isNaN(quantile) || quantile < 0.0 || quantile > 1.0) {
        throw new IllegalArgumentException(quantile + " is not in [0..1]");
      }
      return h.getTotalCount() == 0 ? 0.0 : h.getValueAtPercentile(quantile * 100.0);
    }

    /** The distribution at {@value #VALUES} evenly spaced quantiles (what a sampling reservoir would hold). */
    @Override
    public long[] getValues() {
      if (h.getTotalCount() == 0) return new long[0];
      int n = (int) Math.min(VALUES, h.getTotalCount());
      long[] values = new long[n];
      for (int i = 0; i < n; i++) values[i] = h.getValueAtPercentile(100.0 * (i + 0.5) / n);
      return values;
    }

    @Override
    public int size() {
      return (int) Math.min(Integer.MAX_VALUE, h.getTotalCount());
    }

    @Override
    public long getMax() {
      return h.getTotalCount() == 0 ? 0 : h.getMaxValue();
    }

    @Override
    public double getMean() {
      return h.getTotalCount() == 0 ? 0.0 : h.getMean();
    }

    @Override
    public long getMin() {
      return h.getTotalCount() == 0 ? 0 : h.getMinValue();
    }

    @Override
    public double getStdDev() {
      return h.getTotalCount() == 0 ? 0.0 : h.getStdDeviation();
    }

    @Override
    public void dump(OutputStream output) {
      try (PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(output, StandardCharsets.UTF_8))) {
        for (long v : getValues()) out.printf("%d%n", v);
      }
    }
  }
}
