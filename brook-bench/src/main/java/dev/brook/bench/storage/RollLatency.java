package dev.brook.bench.storage;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * The time an appending thread spends in the append that rolls a segment, against every other
 * append: {@code N} one-record 1 KB batches into one log with 2 MB segments (a roll every ~2,000
 * appends), paced at {@code MBPS} (default 20 MB/s, so the directory's flusher has the time a broker
 * partition gives it to fsync the rolled segment), each append timed on its own. The roll runs under
 * the partition's log lock, so its duration is what every other producer of the partition (and, in
 * the broker, every connection of the event loop) waits. Prints percentiles of the rolling appends
 * and of the others, wall and CPU time of the appending thread, and how many rolls found the next
 * segment's files already made ({@code next.log.prepared}, where the storage prepares them).
 *
 * <p>Not JMH: a roll is a rare event whose cost hides in a throughput score; the tail is the point.
 * Run: {@code java -cp <bench classpath> dev.brook.bench.storage.RollLatency DIR N [MBPS]}.
 */
public final class RollLatency {
  private RollLatency() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(args[0]), "roll");
    int n = Integer.parseInt(args[1]);
    double mbps = args.length > 2 ? Double.parseDouble(args[2]) : 20;
    LogConfig config = LogConfig.defaults().withSegmentBytes(2 * 1024 * 1024);
    ByteBuffer proto = MemoryRecords.withRecords(0L, Compression.NONE, new SimpleRecord(1L, null, new byte[1000])).buffer();
    long intervalNanos = (long) (proto.remaining() / (mbps * 1e6) * 1e9);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] nanos = new long[n];
    long[] rollNanos = new long[n];
    long[] rollCpuNanos = new long[n];
    long[] otherNanos = new long[n];
    int rolls = 0;
    int others = 0;
    int prepared = 0;
    Path partitionDir = dir.resolve("t-0");
    Path preparedLog = partitionDir.resolve("next.log.prepared");
    try (LogManager m = LogManager.open(dir, config, Clock.SYSTEM)) {
      PartitionLog log = m.getOrCreate(new LogId("t", 0), config);
      ByteBuffer b = ByteBuffer.allocate(proto.remaining());
      long next = System.nanoTime();
      for (int i = 0; i < n; i++) {
        while (System.nanoTime() < next) {
          LockSupport.parkNanos(next - System.nanoTime());
        }
        next += intervalNanos;
        b.clear();
        b.put(proto.duplicate()).flip();
        int segments = log.segmentCount();
        boolean ready = Files.exists(preparedLog); // outside the timed call
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        log.appendAsLeader(b, 0);
        nanos[i] = System.nanoTime() - t0;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        if (log.segmentCount() != segments) {
          rollCpuNanos[rolls] = cpu;
          rollNanos[rolls++] = nanos[i];
          prepared += ready ? 1 : 0;
        } else {
          otherNanos[others++] = nanos[i];
        }
      }
    }
    Arrays.sort(nanos);
    long[] r = sorted(rollNanos, rolls);
    long[] rc = sorted(rollCpuNanos, rolls);
    long[] o = sorted(otherNanos, others);
    System.out.printf(Locale.ROOT, "appends %d at %.0f MB/s: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.2f ms%n", n, mbps,
        nanos[n / 2] / 1e3, pct(nanos, 0.99) / 1e3, pct(nanos, 0.999) / 1e3, nanos[n - 1] / 1e6);
    System.out.printf(Locale.ROOT, "appends without a roll %d: p50 %.1f us, p99 %.1f us, max %.2f ms%n", others,
        pct(o, 0.5) / 1e3, pct(o, 0.99) / 1e3, o[others - 1] / 1e6);
    if (rolls > 0) {
      System.out.printf(Locale.ROOT,
          "rolls %d (files prepared ahead: %d): wall p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us; cpu p50 %.1f us, max %.1f us%n",
          rolls, prepared, pct(r, 0.5) / 1e3, pct(r, 0.9) / 1e3, pct(r, 0.99) / 1e3, r[rolls - 1] / 1e3, pct(rc, 0.5) / 1e3,
          rc[rolls - 1] / 1e3);
    }
  }

  private static long[] sorted(long[] values, int count) {
    long[] out = Arrays.copyOf(values, count);
    Arrays.sort(out);
    return out;
  }

  private static long pct(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))];
  }
}
