package dev.brook.bench.storage;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import dev.brook.storage.LogReadResult;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
 * Reads by offset on a large log: each call looks up a uniformly random offset (segment by binary
 * search, then the sparse index, then a short scan) and returns the file slice a fetch would send:
 * one batch ({@code maxBytes=1}, the lookup alone) or up to 1 MiB of whole batches ({@code
 * maxBytes=1048576}, whose end the offset index brings within one index interval, so that only
 * the last few batch headers are read). No record bytes are copied
 * to the heap, as in a zero-copy fetch. The log size is a
 * parameter: {@code -p logMiB=4096} for a multi-GiB log (default 1 GiB so a run takes minutes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OffsetLookupBenchmark {
  @Param({"1024"})
  long logMiB;

  @Param({"268435456"})
  int segmentBytes;

  /** 1: the lookup alone (one batch comes back); 1048576: a consumer-sized fetch (~64 batches). */
  @Param({"1", "1048576"})
  int maxBytes;

  private Path dir;
  private LogManager logs;
  private PartitionLog log;
  private long endOffset;
  private final SplittableRandom random = new SplittableRandom(7);

  @Setup(Level.Trial)
  public void build() throws IOException {
    dir = BenchLogs.newDir("lookup");
    LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes);
    BenchLogs.fill(dir, config, BenchLogs.batch(16, 1024, 7), logMiB << 20);
    logs = LogManager.open(dir, config, Clock.SYSTEM);
    log = logs.get(BenchLogs.ID).orElseThrow();
    endOffset = log.logEndOffset();
    System.out.println("log: " + log.segmentCount() + " segments, " + log.sizeInBytes() + " bytes, " + endOffset + " records");
  }

  @Benchmark
  public LogReadResult lookup() throws IOException {
    return log.read(random.nextLong(endOffset), maxBytes, endOffset, true);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    logs.close();
    BenchLogs.deleteRecursively(dir);
  }
}
