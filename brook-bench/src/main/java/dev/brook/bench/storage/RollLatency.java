package dev.brook.bench.storage;

import dev.brook.storage.AppendTimings;
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
 * <p>With {@code SEGMENT_BYTES LOGS BATCH_BYTES} it spreads the appends round-robin over several logs
 * of one directory (one flusher, as in a broker) and also splits the appends that did not roll into
 * those that began within 100 ms after a roll of any log (while the flusher trims, fsyncs and
 * snapshots the rolled segment) and the rest; a run with segments larger than everything appended
 * is the same load without rolls. With {@code -Dbrook.storage.appendTimings=true} it also prints
 * the storage's own split of each append ({@code AppendTimings}: lock wait, roll, write, index) and
 * the flusher's task times.
 *
 * <p>Not JMH: a roll is a rare event whose cost hides in a throughput score; the tail is the point.
 * Run: {@code java -cp <bench classpath> dev.brook.bench.storage.RollLatency DIR N [MBPS [SEGMENT_BYTES LOGS BATCH_BYTES]]}
 * (defaults 20 MB/s, 2 MiB segments, 1 log, 1 KB batches of one record).
 */
public final class RollLatency {
  private static final long AFTER_ROLL_NANOS = 100_000_000L;

  private RollLatency() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(args[0]), "roll");
    int n = Integer.parseInt(args[1]);
    double mbps = args.length > 2 ? Double.parseDouble(args[2]) : 20;
    int segmentBytes = args.length > 3 ? Integer.parseInt(args[3]) : 2 * 1024 * 1024;
    int logCount = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int batchBytes = args.length > 5 ? Integer.parseInt(args[5]) : 1000;
    LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes);
    SimpleRecord[] records = new SimpleRecord[Math.max(1, batchBytes / 1000)];
    Arrays.fill(records, new SimpleRecord(1L, null, new byte[1000]));
    ByteBuffer proto = MemoryRecords.withRecords(0L, Compression.NONE, records).buffer();
    long intervalNanos = (long) (proto.remaining() / (mbps * 1e6) * 1e9);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] nanos = new long[n];
    long[] rollNanos = new long[n];
    long[] rollCpuNanos = new long[n];
    long[] afterNanos = new long[n];
    long[] otherNanos = new long[n];
    int rolls = 0;
    int afters = 0;
    int others = 0;
    int prepared = 0;
    long lastRollEnd = Long.MIN_VALUE / 2;
    try (LogManager m = LogManager.open(dir, config, Clock.SYSTEM)) {
      PartitionLog[] logs = new PartitionLog[logCount];
      Path[] preparedLogs = new Path[logCount];
      for (int l = 0; l < logCount; l++) {
        logs[l] = m.getOrCreate(new LogId("t", l), config);
        preparedLogs[l] = dir.resolve("t-" + l).resolve("next.log.prepared");
      }
      ByteBuffer b = ByteBuffer.allocate(proto.remaining());
      long next = System.nanoTime();
      for (int i = 0; i < n; i++) {
        while (System.nanoTime() < next) {
          LockSupport.parkNanos(next - System.nanoTime());
        }
        next += intervalNanos;
        b.clear();
        b.put(proto.duplicate()).flip();
        PartitionLog log = logs[i % logCount];
        int segments = log.segmentCount();
        boolean ready = Files.exists(preparedLogs[i % logCount]); // outside the timed call
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        log.appendAsLeader(b, 0);
        long t1 = System.nanoTime();
        nanos[i] = t1 - t0;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        if (log.segmentCount() != segments) {
          rollCpuNanos[rolls] = cpu;
          rollNanos[rolls++] = nanos[i];
          prepared += ready ? 1 : 0;
          lastRollEnd = t1;
        } else if (t0 - lastRollEnd <= AFTER_ROLL_NANOS) {
          afterNanos[afters++] = nanos[i];
        } else {
          otherNanos[others++] = nanos[i];
        }
      }
    }
    Arrays.sort(nanos);
    long[] r = sorted(rollNanos, rolls);
    long[] rc = sorted(rollCpuNanos, rolls);
    long[] a = sorted(afterNanos, afters);
    long[] o = sorted(otherNanos, others);
    System.out.printf(Locale.ROOT, "appends %d of %d B into %d log(s) at %.1f MB/s, segments of %d B: p50 %.1f us, p99 %.1f us,"
        + " p99.9 %.1f us, max %.2f ms%n", n, proto.remaining(), logCount, mbps, segmentBytes, nanos[n / 2] / 1e3,
        pct(nanos, 0.99) / 1e3, pct(nanos, 0.999) / 1e3, nanos[n - 1] / 1e6);
    print("appends within 100 ms after a roll", a);
    print("other appends", o);
    if (rolls > 0) {
      System.out.printf(Locale.ROOT,
          "rolls %d (files prepared ahead: %d): wall p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us; cpu p50 %.1f us, max %.1f us%n",
          rolls, prepared, pct(r, 0.5) / 1e3, pct(r, 0.9) / 1e3, pct(r, 0.99) / 1e3, r[rolls - 1] / 1e3, pct(rc, 0.5) / 1e3,
          rc[rolls - 1] / 1e3);
    }
    if (AppendTimings.ON) {
      System.out.println(AppendTimings.summary());
    }
  }

  private static void print(String what, long[] sorted) {
    if (sorted.length > 0) {
      System.out.printf(Locale.ROOT, "%s %d: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.2f ms%n", what, sorted.length,
          pct(sorted, 0.5) / 1e3, pct(sorted, 0.99) / 1e3, pct(sorted, 0.999) / 1e3, sorted[sorted.length - 1] / 1e6);
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
