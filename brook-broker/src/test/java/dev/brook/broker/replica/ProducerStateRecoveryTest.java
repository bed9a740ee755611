package dev.brook.broker.replica;

import static dev.brook.broker.replica.BatchValidatorTest.NOW;
import static dev.brook.broker.replica.BatchValidatorTest.batch;
import static dev.brook.broker.replica.BatchValidatorTest.rec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogLoadState;
import dev.brook.storage.LogSegment;
import dev.brook.storage.ProducerSnapshots;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.SegmentedLog;
import dev.brook.storage.TxnIndex;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producer state after a crash, over the real segmented log: the log snapshots the state at every
 * roll, so reopening replays only the batches after the newest snapshot, and idempotent dedup, the
 * last stable offset and the aborted-transaction index are still right.
 */
class ProducerStateRecoveryTest {
  static final LogId ID = new LogId("t", 0);
  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid TOPIC_ID = Uuid.randomUuid();
  static final short EPOCH = 0;
  @TempDir Path tmp;
  final Clock clock = new Clock() {
    @Override
    public long milliseconds() {
      return NOW;
    }

    @Override
    public long nanoseconds() {
      return NOW * 1_000_000;
    }
  };
  final LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withFileDeleteDelayMs(0);

  Path dir() {
    return tmp.resolve(ID.dirName());
  }

  Partition open(LogLoadState state) throws Exception {
    return new Partition(TP, TOPIC_ID, SegmentedLog.open(ID, dir(), config, clock, state), 0, RecordPolicy.defaults());
  }

  static ByteBuffer idempotent(long pid, int seq) {
    return batch(CompressionType.NONE, pid, EPOCH, seq, rec("k", "v" + seq));
  }

  static ByteBuffer transactional(long pid, int seq) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(512), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
        TimestampType.CREATE_TIME, 0L, NOW, pid, EPOCH, seq, true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    b.append(rec("t", "txn" + seq));
    return b.build().buffer();
  }

  static ByteBuffer marker(long pid, ControlRecordType type) {
    return MemoryRecords.withEndTransactionMarker(0L, NOW, 0, pid, EPOCH, new EndTransactionMarker(type, 0)).buffer();
  }

  static AppendOutcome client(Partition p, ByteBuffer b) {
    return p.appendRecordsAsLeader(b, AppendOrigin.CLIENT, -1, NOW);
  }

  static long batchesFrom(SegmentedLog log, long offset) throws Exception {
    AtomicLong n = new AtomicLong();
    log.scanBatches(offset, b -> {
      if (RecordBatchHeader.baseOffset(b, b.position()) >= offset) n.incrementAndGet();
    });
    return n.get();
  }

  @Test
  void crashRecoveryReplaysOnlyTheBatchesAfterTheNewestSnapshot() throws Exception {
    Partition p = open(LogLoadState.clean());
    SegmentedLog log = (SegmentedLog) p.log();
    // Producer 2's transaction opens early and stays open across every roll: it holds the LSO.
    long openTxnFirst = client(p, transactional(2, 0)).baseOffset();
    long abortedFirst = client(p, transactional(3, 0)).baseOffset();
    int seq = 0;
    for (; seq < 300; seq++) {
      assertThat(client(p, idempotent(1, seq)).error()).isEqualTo(Errors.NONE);
    }
    // Producer 3's transaction aborts with its marker in the active segment.
    long abortMarker = p.appendRecordsAsLeader(marker(3, ControlRecordType.ABORT), AppendOrigin.COORDINATOR, -1, NOW).baseOffset();
    long[] offsetsOfLast = new long[3];
    for (int i = 0; i < 3; i++, seq++) {
      offsetsOfLast[i] = client(p, idempotent(1, seq)).baseOffset();
    }
    log.awaitBackgroundFlushes(); // roll snapshots are written by the flusher, after the roll's fsync
    long end = log.logEndOffset();
    long activeBase = log.activeSegment().baseOffset();
    assertThat(log.segmentCount()).isGreaterThan(10);
    assertThat(abortMarker).isGreaterThanOrEqualTo(activeBase);
    assertThat(log.producerStateSnapshotOffsets()).hasSize(ProducerSnapshots.RETAINED).last().isEqualTo(activeBase);
    TxnIndex.AbortedTxn aborted = new TxnIndex.AbortedTxn(3, abortedFirst, abortMarker, openTxnFirst);
    assertThat(p.abortedTransactions(0, end)).containsExactly(aborted);

    // Crash: nothing closed, no clean-shutdown snapshot, and the active segment's transaction index
    // lost (it was never flushed). Recovery scans every segment (no recovery point known).
    Files.deleteIfExists(dir().resolve(LogSegment.fileName(activeBase, TxnIndex.SUFFIX)));
    Partition reopened = open(new LogLoadState(0, -1, end, false));
    SegmentedLog relog = (SegmentedLog) reopened.log();

    Partition.ProducerStateRebuild rebuild = reopened.lastProducerStateRebuild();
    assertThat(rebuild.snapshotOffset()).isEqualTo(activeBase);
    assertThat(rebuild.replayedFrom()).isEqualTo(activeBase);
    assertThat(rebuild.batchesReplayed()).isEqualTo(batchesFrom(relog, activeBase)).isLessThan(batchesFrom(relog, 0) / 10);
    // Idempotence: retries of the last batches are duplicates answered with their offsets, even
    // the ones in the segment before the snapshot; the sequence goes on where it was.
    for (int i = 0; i < 3; i++) {
      AppendOutcome dup = client(reopened, idempotent(1, seq - 3 + i));
      assertThat(dup.error()).isEqualTo(Errors.NONE);
      assertThat(dup.baseOffset()).isEqualTo(offsetsOfLast[i]);
    }
    assertThat(relog.logEndOffset()).isEqualTo(end);
    assertThat(client(reopened, idempotent(1, seq + 5)).error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(client(reopened, idempotent(1, seq)).error()).isEqualTo(Errors.NONE);
    // The open transaction still holds the LSO; the lost index entry was re-indexed by the replay.
    assertThat(reopened.lastStableOffset()).isEqualTo(openTxnFirst);
    assertThat(reopened.abortedTransactions(0, relog.logEndOffset())).containsExactly(aborted);
    reopened.appendRecordsAsLeader(marker(2, ControlRecordType.COMMIT), AppendOrigin.COORDINATOR, -1, NOW);
    assertThat(reopened.lastStableOffset()).isEqualTo(relog.logEndOffset());
    relog.close();
  }

  @Test
  void withoutAnySnapshotTheWholeLogIsReplayedToTheSameState() throws Exception {
    Partition p = open(LogLoadState.clean());
    SegmentedLog log = (SegmentedLog) p.log();
    long openTxnFirst = client(p, transactional(2, 0)).baseOffset();
    for (int seq = 0; seq < 100; seq++) {
      client(p, idempotent(1, seq));
    }
    long end = log.logEndOffset();
    log.awaitBackgroundFlushes();
    for (long o : log.producerStateSnapshotOffsets()) {
      Files.delete(dir().resolve(ProducerSnapshots.fileName(o)));
    }
    Partition reopened = open(new LogLoadState(0, -1, end, false));
    assertThat(reopened.lastProducerStateRebuild()).isEqualTo(new Partition.ProducerStateRebuild(-1, 0, batchesFrom((SegmentedLog) reopened.log(), 0)));
    assertThat(reopened.lastStableOffset()).isEqualTo(openTxnFirst);
    assertThat(client(reopened, idempotent(1, 99)).baseOffset()).isEqualTo(end - 1);
    reopened.log().close();
  }

  @Test
  void aCorruptNewestSnapshotFallsBackToTheOneBefore() throws Exception {
    Partition p = open(LogLoadState.clean());
    SegmentedLog log = (SegmentedLog) p.log();
    for (int seq = 0; seq < 200; seq++) {
      client(p, idempotent(1, seq));
    }
    log.awaitBackgroundFlushes();
    List<Long> snaps = log.producerStateSnapshotOffsets();
    long newest = snaps.get(snaps.size() - 1);
    Path f = dir().resolve(ProducerSnapshots.fileName(newest));
    byte[] bytes = Files.readAllBytes(f);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(f, bytes);
    Partition reopened = open(new LogLoadState(0, -1, log.logEndOffset(), false));
    assertThat(reopened.lastProducerStateRebuild().snapshotOffset()).isEqualTo(snaps.get(snaps.size() - 2));
    assertThat(client(reopened, idempotent(1, 199)).baseOffset()).isEqualTo(log.logEndOffset() - 1);
    assertThat(client(reopened, idempotent(1, 200)).error()).isEqualTo(Errors.NONE);
    reopened.log().close();
  }

  @Test
  void truncationBelowTheNewestSnapshotRebuildsFromAnOlderOne() throws Exception {
    Partition p = open(LogLoadState.clean());
    SegmentedLog log = (SegmentedLog) p.log();
    for (int seq = 0; seq < 300; seq++) {
      assertThat(client(p, idempotent(1, seq)).baseOffset()).isEqualTo(seq);
    }
    log.awaitBackgroundFlushes();
    List<Long> snaps = log.producerStateSnapshotOffsets();
    long older = snaps.get(snaps.size() - 2);
    long newest = snaps.get(snaps.size() - 1);
    long cut = (older + newest) / 2;
    p.truncateTo(cut);
    assertThat(log.producerStateSnapshotOffsets()).doesNotContain(newest).last().isEqualTo(older);
    assertThat(p.lastProducerStateRebuild()).isEqualTo(new Partition.ProducerStateRebuild(older, older, cut - older));
    // The producer's state is as of the cut: its last batch there is a duplicate, the next is new.
    assertThat(client(p, idempotent(1, (int) cut - 1)).baseOffset()).isEqualTo(cut - 1);
    assertThat(log.logEndOffset()).isEqualTo(cut);
    assertThat(client(p, idempotent(1, (int) cut)).baseOffset()).isEqualTo(cut);
    log.close();
  }

  @Test
  void aLegacyCleanShutdownSnapshotIsStillReadThenRemoved() throws Exception {
    Partition p = open(LogLoadState.clean());
    for (int seq = 0; seq < 5; seq++) {
      client(p, idempotent(1, seq));
    }
    SegmentedLog log = (SegmentedLog) p.log();
    ProducerStateSnapshot.writeLegacy(dir(), log.logEndOffset(), List.copyOf(List.of(p.producerEntry(1))));
    log.close();
    Partition reopened = open(LogLoadState.clean());
    assertThat(reopened.lastProducerStateRebuild().snapshotOffset()).isEqualTo(5);
    assertThat(Files.exists(dir().resolve(ProducerStateSnapshot.FILE))).isFalse();
    assertThat(client(reopened, idempotent(1, 4)).baseOffset()).isEqualTo(4);
    // A clean shutdown now writes a snapshot at the log end in the log's own files.
    reopened.snapshotProducerState();
    assertThat(reopened.log().producerStateSnapshotOffsets()).contains(5L);
    reopened.log().close();
  }
}
