package dev.brook.bench;

import dev.brook.broker.replica.BatchValidator;
import dev.brook.broker.replica.RecordPolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the leader's check of one produced batch costs ({@link BatchValidator#validate}): on the
 * common {@code compression.type=producer} path (the batch is kept as sent) and when the topic's
 * codec makes the broker rewrite it ({@code source>target}, e.g. {@code gzip>zstd}). The batch is
 * an idempotent producer's 16 KiB-ish batch of 100 JSON-like records (compressible as real payloads
 * are: about 3-4× with zstd). Score: batches per second on one thread; uncompressed MB/s per core =
 * score × the "uncompressed bytes" printed at setup / 10^6. Issue 16 part 5; figures in
 * bench/RESULTS.md.
 *
 * <p>Run: {@code java -cp "brook-bench/target/classes:brook-bench/target/lib/*" org.openjdk.jmh.Main
 * ProduceValidation}. It uses only API that predates the rewrite, so the same class measures an
 * older broker's classes put first on the class path (the before/after comparison of the producer path).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ProduceValidationBenchmark {
  static final long NOW = 1_700_000_000_000L;

  @Param({"none>producer", "lz4>producer", "zstd>producer", "gzip>zstd", "none>zstd", "lz4>zstd", "zstd>lz4", "gzip>lz4",
      "zstd>uncompressed", "snappy>zstd"})
  public String scenario;

  private ByteBuffer template;
  private ByteBuffer work;
  private RecordPolicy policy;

  @Setup
  public void setUp() {
    String[] parts = scenario.split(">");
    CompressionType source = parts[0].equals("none") ? CompressionType.NONE : CompressionType.forName(parts[0]);
    template = batch(source);
    work = ByteBuffer.allocate(template.remaining());
    policy = RecordPolicy.defaults().with(Map.of("compression.type", parts[1]));
    System.out.println("batch bytes " + template.remaining() + ", uncompressed bytes " + batch(CompressionType.NONE).remaining());
  }

  static ByteBuffer batch(CompressionType codec) {
    Random random = new Random(42);
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024), RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.of(codec).build(), TimestampType.CREATE_TIME, 0L, NOW, 1234L, (short) 0, 0, false,
        RecordBatch.NO_PARTITION_LEADER_EPOCH);
    for (int i = 0; i < 100; i++) {
      String value = "{\"order\":" + (100_000 + random.nextInt(900_000)) + ",\"customer\":\"c-" + random.nextInt(5000)
          + "\",\"sku\":\"SKU-" + Integer.toHexString(random.nextInt()) + "\",\"qty\":" + random.nextInt(20)
          + ",\"price\":" + random.nextInt(100_000) / 100.0 + ",\"note\":\"" + Long.toString(random.nextLong(), 36) + "\"}";
      b.append(NOW + i, ("key-" + random.nextInt(10_000)).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }
    return b.build().buffer();
  }

  @Benchmark
  public Object validate() {
    work.clear();
    work.put(template.duplicate()).flip();
    return BatchValidator.validate(work, policy, NOW, true);
  }

  /**
   * The same work measured in this thread's CPU time rather than wall time (the figure to compare
   * on a shared, noisy machine): {@code java -cp ... dev.brook.bench.ProduceValidationBenchmark
   * [seconds per round] [rounds] [scenario ...]}. Prints, per scenario and round, CPU µs per batch
   * and uncompressed MB per CPU-second.
   */
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    java.util.List<String> scenarios = args.length > 2
        ? java.util.List.of(args).subList(2, args.length)
        : java.util.List.of("none>producer", "lz4>producer", "zstd>producer");
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    int uncompressed = batch(CompressionType.NONE).remaining();
    Object sink = null;
    for (String scenario : scenarios) {
      ProduceValidationBenchmark b = new ProduceValidationBenchmark();
      b.scenario = scenario;
      b.setUp();
      long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
      while (System.nanoTime() < warmEnd) sink = b.validate();
      for (int r = 0; r < rounds; r++) {
        long ops = 0;
        long c0 = cpu.getCurrentThreadCpuTime();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
          for (int i = 0; i < 64; i++) sink = b.validate();
          ops += 64;
        }
        long cpuNs = cpu.getCurrentThreadCpuTime() - c0;
        System.out.printf("%-20s round %d: %8.2f us CPU/batch, %8.1f MB/CPU-s uncompressed, %s%n", scenario, r,
            cpuNs / 1e3 / ops, (double) uncompressed * ops / 1e6 / (cpuNs / 1e9), sink instanceof BatchValidator.Valid ? "valid" : sink);
      }
    }
  }
}
