package dev.brook.bench.storage;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * The latency of single appends when segments roll often: {@code N} one-record 1 KB batches into one
 * log with 2 MB segments (a roll every ~2,000 appends), each append timed on its own. Prints the
 * percentiles of all appends and of the appends that rolled. Not JMH: a roll is a rare event whose
 * cost hides in a throughput score; the tail is the point. Run: {@code java -cp <bench classpath>
 * dev.brook.bench.storage.RollLatency DIR N}.
 */
public final class RollLatency {
  private RollLatency() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(args[0]), "roll");
    int n = Integer.parseInt(args[1]);
    LogConfig config = LogConfig.defaults().withSegmentBytes(2 * 1024 * 1024);
    ByteBuffer proto = MemoryRecords.withRecords(0L, Compression.NONE, new SimpleRecord(1L, null, new byte[1000])).buffer();
    long[] nanos = new long[n];
    long[] rollNanos = new long[n];
    int rolls = 0;
    try (LogManager m = LogManager.open(dir, config, Clock.SYSTEM)) {
      PartitionLog log = m.getOrCreate(new LogId("t", 0), config);
      ByteBuffer b = ByteBuffer.allocate(proto.remaining());
      for (int i = 0; i < n; i++) {
        b.clear();
        b.put(proto.duplicate()).flip();
        int segments = log.segmentCount();
        long t0 = System.nanoTime();
        log.appendAsLeader(b, 0);
        nanos[i] = System.nanoTime() - t0;
        if (log.segmentCount() != segments) {
          rollNanos[rolls++] = nanos[i];
        }
      }
    }
    Arrays.sort(nanos);
    long[] r = Arrays.copyOf(rollNanos, rolls);
    Arrays.sort(r);
    System.out.printf("appends %d: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.2f ms%n", n, nanos[n / 2] / 1e3,
        nanos[(int) (n * 0.99)] / 1e3, nanos[(int) (n * 0.999)] / 1e3, nanos[n - 1] / 1e6);
    if (rolls > 0) {
      System.out.printf("rolls %d: median %.2f ms, max %.2f ms%n", rolls, r[rolls / 2] / 1e6, r[rolls - 1] / 1e6);
    }
  }
}
