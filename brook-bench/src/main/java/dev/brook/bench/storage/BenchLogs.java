package dev.brook.bench.storage;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/** Shared set-up of the storage benchmarks: batches built with the client codec, logs on disk. */
final class BenchLogs {
  static final LogId ID = new LogId("bench", 0);

  private BenchLogs() {}

  /** One uncompressed v2 batch of {@code records} records with {@code valueBytes}-byte random values. */
  static ByteBuffer batch(int records, int valueBytes, long seed) {
    Random random = new Random(seed);
    ByteBuffer buf = ByteBuffer.allocate(records * (valueBytes + 64) + 128);
    MemoryRecordsBuilder b =
        MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 0L);
    long now = System.currentTimeMillis();
    for (int i = 0; i < records; i++) {
      byte[] value = new byte[valueBytes];
      random.nextBytes(value);
      b.append(new SimpleRecord(now, ("key-" + i).getBytes(), value));
    }
    ByteBuffer built = b.build().buffer();
    ByteBuffer exact = ByteBuffer.allocateDirect(built.remaining());
    exact.put(built).flip();
    return exact;
  }

  /** A log dir under {@code brook.bench.dir} (default java.io.tmpdir). */
  static Path newDir(String name) throws IOException {
    Path parent = Path.of(System.getProperty("brook.bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "brook-bench-" + name + "-");
  }

  /** A fixed directory under {@code brook.bench.dir} for a log reused between forks. */
  static Path cacheDir(String name) throws IOException {
    Path parent = Path.of(System.getProperty("brook.bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(parent);
    return parent.resolve("brook-bench-cache-" + name);
  }

  /** Appends {@code batch} until the log holds {@code bytes}, then closes the manager cleanly. */
  static long fill(Path dir, LogConfig config, ByteBuffer batch, long bytes) throws IOException {
    try (LogManager logs = LogManager.open(dir, config, Clock.SYSTEM)) {
      PartitionLog log = logs.getOrCreate(ID, config);
      while (log.sizeInBytes() < bytes) {
        log.appendAsLeader(batch, 0);
      }
      log.updateHighWatermark(log.logEndOffset());
      return log.logEndOffset();
    }
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
