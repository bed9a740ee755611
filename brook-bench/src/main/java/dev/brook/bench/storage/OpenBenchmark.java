package dev.brook.bench.storage;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Time to open a log dir holding one partition of {@code records} records (default 10 million,
 * 100-byte values in batches of 100: ~1.3 GB), in three states:
 *
 * <ul>
 *   <li>{@code clean}: after a clean shutdown (marker present): nothing should be scanned;
 *   <li>{@code crash}: the clean-shutdown marker removed, checkpoints kept: segments past the recovery
 *       point are scanned (with fsync on roll, that is the last segment);
 *   <li>{@code crashNoCheckpoint}: marker and recovery-point checkpoint removed: the worst case, every
 *       segment is scanned batch by batch with CRC32C and its indexes rebuilt.
 * </ul>
 *
 * Each measurement is one cold-ish open (single shot; the page cache is warm, as after a process
 * crash, not a machine crash).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OpenBenchmark {
  static final String CLEAN_SHUTDOWN = LogManager.CLEAN_SHUTDOWN_MARKER;
  static final String RECOVERY_POINTS = LogManager.RECOVERY_POINT_CHECKPOINT;
  static final String COMPLETE = "bench-log-complete";

  @Param({"10000000"})
  long records;

  @Param({"100"})
  int recordsPerBatch;

  @Param({"100"})
  int recordBytes;

  @Param({"clean", "crash", "crashNoCheckpoint"})
  String state;

  private Path dir;
  private LogConfig config;
  private LogManager opened;

  @Setup(Level.Trial)
  public void build() throws IOException {
    // Built once and shared by the three states (each runs in its own JVM fork); the script
    // removes the cache when it ends.
    dir = BenchLogs.cacheDir("open-" + records + "-" + recordsPerBatch + "-" + recordBytes);
    config = LogConfig.defaults();
    if (!Files.exists(dir.resolve(COMPLETE))) {
      BenchLogs.deleteRecursively(dir);
      Files.createDirectories(dir);
      var batch = BenchLogs.batch(recordsPerBatch, recordBytes, 3);
      try (LogManager logs = LogManager.open(dir, config, Clock.SYSTEM)) {
        var log = logs.getOrCreate(BenchLogs.ID, config);
        while (log.logEndOffset() < records) {
          log.appendAsLeader(batch, 0);
        }
      }
      Files.createFile(dir.resolve(COMPLETE));
    }
    try (LogManager logs = LogManager.open(dir, config, Clock.SYSTEM)) {
      var log = logs.get(BenchLogs.ID).orElseThrow();
      System.out.println("log: " + log.segmentCount() + " segments, " + log.sizeInBytes() + " bytes, " + log.logEndOffset() + " records");
    }
  }

  @Setup(Level.Invocation)
  public void prepare() throws IOException {
    switch (state) {
      case "clean" -> {}
      case "crash" -> Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN));
      case "crashNoCheckpoint" -> {
        Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN));
        Files.deleteIfExists(dir.resolve(RECOVERY_POINTS));
      }
      default -> throw new IllegalArgumentException(state);
    }
  }

  @Benchmark
  public long open() throws IOException {
    opened = LogManager.open(dir, config, Clock.SYSTEM);
    return opened.get(BenchLogs.ID).orElseThrow().logEndOffset();
  }

  /** Closing (flush, checkpoints, marker) is not part of the measured open. */
  @TearDown(Level.Invocation)
  public void closeOpened() throws IOException {
    opened.close();
    opened = null;
  }

}
