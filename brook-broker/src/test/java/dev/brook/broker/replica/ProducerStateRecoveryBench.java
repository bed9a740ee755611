package dev.brook.broker.replica;

import static dev.brook.broker.replica.BatchValidatorTest.NOW;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogLoadState;
import dev.brook.storage.ProducerSnapshots;
import dev.brook.storage.SegmentedLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * Not a test (prints figures, asserts nothing): the open time of a partition log after a crash,
 * with and without the producer-state snapshots taken at each roll. Writes {@code records} records
 * from 10 idempotent producers in batches of {@code perBatch} into ~100 segments, abandons the log
 * (no clean shutdown), then times {@code SegmentedLog.open} + {@code new Partition} (recovery plus
 * producer-state rebuild) a few times each way. Files are in the page cache: this measures the work,
 * not the disk.
 *
 * <p>Run: {@code java -cp <test classpath> dev.brook.broker.replica.ProducerStateRecoveryBench
 * [records] [perBatch] [dir]}
 */
public final class ProducerStateRecoveryBench {
  private ProducerStateRecoveryBench() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Path root = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("brook-pstate-bench");
    LogId id = new LogId("bench", 0);
    Path dir = root.resolve(id.dirName());
    Clock clock = Clock.SYSTEM;
    int producers = 10;
    int batches = records / perBatch;
    int batchSize = batch(0, 0, perBatch).remaining();
    int segmentBytes = Math.max(4096, batchSize * (batches / 100));
    LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes).withFileDeleteDelayMs(0);
    TopicPartition tp = new TopicPartition(id.topic(), id.partition());
    Uuid topicId = Uuid.randomUuid();

    long t0 = System.nanoTime();
    SegmentedLog log = SegmentedLog.open(id, dir, config, clock, LogLoadState.clean());
    Partition p = new Partition(tp, topicId, log, 0, RecordPolicy.defaults());
    int[] seq = new int[producers];
    for (int i = 0; i < batches; i++) {
      int producer = i % producers;
      AppendOutcome o = p.appendRecordsAsLeader(batch(producer + 1, seq[producer], perBatch), AppendOrigin.CLIENT, 1, NOW);
      if (o.error() != org.apache.kafka.common.protocol.Errors.NONE) throw new IllegalStateException(o.toString());
      seq[producer] += perBatch;
    }
    LogLoadState crash = new LogLoadState(log.recoveryPoint(), log.logStartOffset(), log.highWatermark(), false);
    System.out.printf("wrote %,d records in %,d batches of %d, %d segments, %,d bytes, in %d ms; recovery point %d of %d%n",
        (long) batches * perBatch, batches, perBatch, log.segmentCount(), log.sizeInBytes(), (System.nanoTime() - t0) / 1_000_000,
        crash.recoveryPoint(), log.logEndOffset());
    // The crash: nothing is closed, no clean-shutdown snapshot is written.

    Path aside = root.resolve("snapshots-aside");
    Files.createDirectories(aside);
    for (LogLoadState state : List.of(crash, new LogLoadState(0, crash.logStartOffset(), crash.highWatermark(), false))) {
      System.out.printf("-- unclean open, recovery point %d (%s)%n", state.recoveryPoint(),
          state.recoveryPoint() == 0 ? "every segment CRC-checked" : "segments from the recovery point checked");
      for (boolean withSnapshots : new boolean[] {true, false, true, false, true, false}) {
        List<Path> moved = new ArrayList<>();
        if (!withSnapshots) {
          try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(ProducerSnapshots.SUFFIX)).toList()) {
              moved.add(Files.move(f, aside.resolve(f.getFileName())));
            }
          }
        }
        long start = System.nanoTime();
        SegmentedLog reopened = SegmentedLog.open(id, dir, config, clock, state);
        long logMs = (System.nanoTime() - start) / 1_000_000;
        Partition rp = new Partition(tp, topicId, reopened, 0, RecordPolicy.defaults());
        long totalMs = (System.nanoTime() - start) / 1_000_000;
        Partition.ProducerStateRebuild r = rp.lastProducerStateRebuild();
        System.out.printf("  snapshots %-3s: open %5d ms (log %5d ms, producer state %5d ms), replayed %,d batches from offset %,d"
            + " (snapshot %d)%n", withSnapshots ? "yes" : "no", totalMs, logMs, totalMs - logMs, r.batchesReplayed(),
            r.replayedFrom(), r.snapshotOffset());
        reopened.close(); // not the broker's shutdown: no snapshot is written, the next open is unclean again
        for (Path f : moved) {
          Files.move(f, dir.resolve(f.getFileName()));
        }
      }
    }
    System.out.println("data left in " + root);
  }

  static ByteBuffer batch(long pid, int seq, int count) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256 + count * 64), RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.NONE, TimestampType.CREATE_TIME, 0L, NOW, pid, (short) 0, seq, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    for (int i = 0; i < count; i++) {
      b.append(new SimpleRecord(NOW, ("key-" + (seq + i) % 1000).getBytes(), ("value-" + (seq + i)).getBytes()));
    }
    return b.build().buffer();
  }
}
