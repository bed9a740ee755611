package dev.brook.bench.storage;

import dev.brook.storage.AppendResult;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * Append throughput of one partition log: 16 KiB batches of 1 KiB records (16 records a batch),
 * written by {@code appendAsLeader} (offsets assigned in place, one write per batch, fsync left to
 * the OS as by default, segments rolled at {@code segment.bytes}). The score is batches per second;
 * MB/s = score × batch bytes / 10^6 (the script prints it). The log is emptied before each iteration
 * so the disk does not fill.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AppendBenchmark {
  @Param({"16"})
  int recordsPerBatch;

  @Param({"1024"})
  int recordBytes;

  @Param({"268435456"})
  int segmentBytes;

  private Path dir;
  private LogManager logs;
  private PartitionLog log;
  private ByteBuffer batch;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = BenchLogs.newDir("append");
    // Segments emptied between iterations are removed at once, not after file.delete.delay.ms.
    LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes).withFileDeleteDelayMs(0);
    logs = LogManager.open(dir, config, Clock.SYSTEM);
    log = logs.getOrCreate(BenchLogs.ID, config);
    // 16 records of 1 KiB values; the batch is ~16.4 KiB with record overheads and the header.
    batch = BenchLogs.batch(recordsPerBatch, recordBytes, 42);
    System.out.println("batch bytes: " + batch.remaining());
  }

  @Setup(Level.Iteration)
  public void empty() throws IOException {
    log.truncateFullyAndStartAt(log.logEndOffset());
  }

  @Benchmark
  public AppendResult append() throws IOException {
    return log.appendAsLeader(batch, 0);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    logs.close();
    BenchLogs.deleteRecursively(dir);
  }
}
