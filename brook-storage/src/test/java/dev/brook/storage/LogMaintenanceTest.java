package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.batchWithTimestamps;
import static dev.brook.storage.Batches.readAll;
import static dev.brook.storage.Batches.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Follower appends, timestamps, retention, delete-records, truncation, flush policy, swap. */
class LogMaintenanceTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  SegmentedLog log;

  Path dir() {
    return tmp.resolve("t-0");
  }

  SegmentedLog open(LogConfig config) throws IOException {
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    return log;
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  static LogConfig base() {
    return LogConfig.defaults().withFileDeleteDelayMs(0);
  }

  /** Appends {@code n} one-record batches at timestamp {@code ts}, rolling after each. */
  void appendSegments(int n, long ts) throws IOException {
    for (int i = 0; i < n; i++) {
      log.appendAsLeader(batch(ts, "v" + log.logEndOffset()), 0);
      log.roll();
    }
  }

  // ------------------------------------------------------------------ follower

  @Test
  void followerAppendKeepsOffsetsAndEpochs() throws Exception {
    open(base());
    ByteBuffer b1 = batch(1, "a", "b");
    RecordBatchHeader.setBaseOffset(b1, 0, 0);
    RecordBatchHeader.setPartitionLeaderEpoch(b1, 0, 3);
    ByteBuffer b2 = batch(1, "c");
    RecordBatchHeader.setBaseOffset(b2, 0, 5);
    RecordBatchHeader.setPartitionLeaderEpoch(b2, 0, 4);
    AppendResult r = log.appendAsFollower(Batches.concat(b1, b2));
    assertThat(r.firstOffset()).isZero();
    assertThat(r.lastOffset()).isEqualTo(5);
    assertThat(log.logEndOffset()).isEqualTo(6);
    assertThat(readAll(log, 0)).containsExactly("0:a", "1:b", "5:c");
    assertThat(log.leaderEpochs().entries()).containsEntry(3, 0L).containsEntry(4, 5L);
    assertThat(log.leaderEpochs().endOffsetFor(3, log.logEndOffset())).isEqualTo(new EpochEndOffset(3, 5));
    ByteBuffer stale = batch(1, "x");
    RecordBatchHeader.setBaseOffset(stale, 0, 5);
    assertThatThrownBy(() -> log.appendAsFollower(stale)).isInstanceOf(InvalidBatchException.class);
    assertThat(log.logEndOffset()).isEqualTo(6);
  }

  // ------------------------------------------------------------------ timestamps

  @Test
  void offsetForTimestampFindsFirstRecordAtOrAfter() throws Exception {
    open(base().withIndexIntervalBytes(1));
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 100, 300, 200), 0); // 0..2
    log.roll();
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 400, 500), 0); // 3..4
    log.appendAsLeader(batchWithTimestamps(Compression.gzip().build(), 450, 600, 700), 0); // 5..7
    assertThat(log.offsetForTimestamp(0)).hasValue(new TimestampOffset(100, 0));
    assertThat(log.offsetForTimestamp(150)).hasValue(new TimestampOffset(300, 1));
    assertThat(log.offsetForTimestamp(300)).hasValue(new TimestampOffset(300, 1));
    assertThat(log.offsetForTimestamp(301)).hasValue(new TimestampOffset(400, 3));
    assertThat(log.offsetForTimestamp(550)).hasValue(new TimestampOffset(600, 6));
    assertThat(log.offsetForTimestamp(701)).isEmpty();
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(700, 7));
  }

  @Test
  void offsetForTimestampIgnoresRecordsBelowTheLogStart() throws Exception {
    open(base());
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 100, 900, 100), 0); // 0..2
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 500), 0); // 3
    log.updateHighWatermark(4);
    log.deleteRecordsBefore(2);
    assertThat(log.offsetForTimestamp(400)).hasValue(new TimestampOffset(500, 3));
    assertThat(log.offsetForTimestamp(50)).hasValue(new TimestampOffset(100, 2));
  }

  @Test
  void maxTimestampIsTheEarliestRecordWithIt() throws Exception {
    open(base());
    assertThat(log.maxTimestampOffset()).isEmpty();
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 10, 90, 20), 0);
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 90, 5), 0);
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(90, 1));
    log.close();
    log = SegmentedLog.open(dir(), base(), clock, LogLoadState.clean());
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(90, 1));
    assertThat(log.offsetForTimestamp(50)).hasValue(new TimestampOffset(90, 1));
  }

  /** The client library's codecs, as the broker injects them (storage main code knows only gzip). */
  static final RecordCodec CLIENT_CODECS = new RecordCodec() {
    @Override
    public boolean supports(int type) {
      return type >= NONE && type <= ZSTD;
    }

    @Override
    public ByteBuffer decompress(int type, ByteBuffer compressed) throws IOException {
      try (java.io.InputStream in = Compression.of(org.apache.kafka.common.record.CompressionType.forId(type)).build()
          .wrapForInput(compressed.duplicate(), (byte) 2, org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
        return ByteBuffer.wrap(in.readAllBytes());
      }
    }

    @Override
    public ByteBuffer compress(int type, ByteBuffer records) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void offsetForTimestampIsExactForEveryCodecOfTheLogsCodec() throws Exception {
    log = SegmentedLog.open(new LogId("t", 0), dir(), base(), clock, LogLoadState.clean(), CLIENT_CODECS);
    List<Compression> codecs = List.of(Compression.gzip().build(), Compression.snappy().build(), Compression.lz4().build(),
        Compression.zstd().build());
    for (Compression c : codecs) {
      long base = log.logEndOffset();
      long t = base * 1000;
      log.appendAsLeader(batchWithTimestamps(c, t + 100, t + 300, t + 200, t + 900, t + 50), 0);
      assertThat(log.offsetForTimestamp(t + 150)).as(c.type().name).hasValue(new TimestampOffset(t + 300, base + 1));
      assertThat(log.offsetForTimestamp(t + 301)).as(c.type().name).hasValue(new TimestampOffset(t + 900, base + 3));
      assertThat(log.maxTimestampOffset()).as(c.type().name).hasValue(new TimestampOffset(t + 900, base + 3));
    }
    log.updateHighWatermark(log.logEndOffset());
    log.deleteRecordsBefore(19); // inside the last (zstd) batch, 15..19, after its max at 18
    assertThat(log.offsetForTimestamp(0)).hasValue(new TimestampOffset(15_050, 19));
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(15_050, 19));
  }

  @Test
  void builtInCodecIsExactForGzipAndNeverLateForOtherCodecs() throws Exception {
    open(base()); // the built-in codec: none and gzip
    log.appendAsLeader(batchWithTimestamps(Compression.gzip().build(), 100, 300, 200, 900), 0); // 0..3
    log.appendAsLeader(batchWithTimestamps(Compression.snappy().build(), 1100, 1300, 1200), 0); // 4..6
    assertThat(log.offsetForTimestamp(150)).hasValue(new TimestampOffset(300, 1));
    assertThat(log.offsetForTimestamp(301)).hasValue(new TimestampOffset(900, 3));
    // Snappy is opaque to the built-in codec: the batch's base offset, never past the exact record.
    assertThat(log.offsetForTimestamp(1150)).hasValue(new TimestampOffset(1300, 4));
    log.updateHighWatermark(7);
    log.deleteRecordsBefore(2);
    assertThat(log.offsetForTimestamp(150)).hasValue(new TimestampOffset(200, 2));
  }

  @Test
  void maxTimestampIgnoresRecordsBelowTheLogStart() throws Exception {
    open(base());
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 100, 900, 300), 0); // 0..2
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 500, 400), 0); // 3..4
    log.roll();
    log.appendAsLeader(batchWithTimestamps(Compression.gzip().build(), 200, 600, 600), 0); // 5..7
    log.updateHighWatermark(8);
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(900, 1));
    log.deleteRecordsBefore(2); // the record at 1 (ts 900) is gone; 2 (300) stays in the same batch
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(600, 6));
    log.deleteRecordsBefore(7);
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(600, 7));
    log.deleteRecordsBefore(8);
    assertThat(log.maxTimestampOffset()).isEmpty();
  }

  @Test
  void maxTimestampFromTheLogStartInsideTheFirstSegment() throws Exception {
    open(base());
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 100, 900, 300), 0); // 0..2
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 350, 400, 400), 0); // 3..5
    log.appendAsLeader(batchWithTimestamps(Compression.NONE, 50), 0); // 6
    log.updateHighWatermark(7);
    log.deleteRecordsBefore(2);
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(400, 4));
    log.close();
    log = SegmentedLog.open(dir(), base(), clock, new LogLoadState(Long.MAX_VALUE, 2, 7, true));
    assertThat(log.logStartOffset()).isEqualTo(2);
    assertThat(log.maxTimestampOffset()).hasValue(new TimestampOffset(400, 4));
  }

  @Test
  void logAppendTimeBatchesAnswerWithTheBatchTimestamp() throws Exception {
    open(base());
    ByteBuffer b = Batches.copy(MemoryRecords.withRecords(
        (byte) 2, 0L, Compression.NONE, TimestampType.LOG_APPEND_TIME, new SimpleRecord(1, null, "a".getBytes()), new SimpleRecord(2, null, "b".getBytes())).buffer());
    log.appendAsLeader(b, 0);
    long ts = RecordBatchHeader.maxTimestamp(b, 0);
    assertThat(log.offsetForTimestamp(ts)).hasValue(new TimestampOffset(ts, 0));
  }

  // ------------------------------------------------------------------ retention

  @Test
  void retentionMsDeletesExpiredNonActiveSegmentsBelowTheHighWatermark() throws Exception {
    open(base().withRetention(1000, -1));
    long now = clock.milliseconds();
    appendSegments(3, now - 5000);
    log.appendAsLeader(batch(now, "fresh"), 0);
    log.roll();
    log.appendAsLeader(batch(now - 9000, "old-but-active"), 0);
    assertThat(log.segmentCount()).isEqualTo(5);
    assertThat(log.applyRetention()).as("nothing below the high watermark yet").isZero();
    log.updateHighWatermark(2);
    assertThat(log.applyRetention()).isEqualTo(2);
    assertThat(log.logStartOffset()).isEqualTo(2);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.applyRetention()).isEqualTo(1);
    assertThat(log.logStartOffset()).isEqualTo(3);
    assertThat(log.segmentCount()).isEqualTo(2);
    assertThat(readAll(log, 3)).containsExactly("3:fresh", "4:old-but-active");
    assertThat(log.read(2, 100, Long.MAX_VALUE, true).outOfRange()).isTrue();
    assertThat(dir().resolve("00000000000000000000.log")).doesNotExist();
    clock.advance(2000);
    assertThat(log.applyRetention()).isEqualTo(1);
    assertThat(log.segmentCount()).isEqualTo(1);
  }

  @Test
  void retentionBytesDeletesOldestSegmentsWhileTooLarge() throws Exception {
    open(base().withRetention(-1, 0));
    appendSegments(4, clock.milliseconds());
    long seg = log.segments().get(0).sizeInBytes();
    log.updateConfig(log.config().withRetention(-1, 2 * seg));
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.applyRetention()).isEqualTo(2);
    assertThat(log.sizeInBytes()).isEqualTo(2 * seg);
    assertThat(log.logStartOffset()).isEqualTo(2);
    assertThat(readAll(log, 2)).containsExactly("2:v2", "3:v3");
  }

  @Test
  void compactOnlyLogsAreNotDeletedByRetention() throws Exception {
    open(base().withRetention(0, 0).withCleanupPolicy(true, false));
    appendSegments(3, 1);
    log.updateHighWatermark(log.logEndOffset());
    clock.advance(10);
    assertThat(log.applyRetention()).isZero();
  }

  @Test
  void deletedSegmentsStayReadableUntilTheDelayPasses() throws Exception {
    open(base().withRetention(1000, -1).withFileDeleteDelayMs(5000));
    appendSegments(2, clock.milliseconds() - 10_000);
    log.updateHighWatermark(log.logEndOffset());
    LogReadResult handedOut = log.read(0, 100, Long.MAX_VALUE, true);
    assertThat(log.applyRetention()).isEqualTo(2);
    assertThat(dir().resolve("00000000000000000000.log.deleted")).exists();
    assertThat(Batches.records(handedOut.records())).containsExactly("0:v0");
    clock.advance(5001);
    log.deleteExpiredFiles();
    assertThat(dir().resolve("00000000000000000000.log.deleted")).doesNotExist();
  }

  @Test
  void deleteRecordsBeforeMovesLogStartAndDropsWholeSegments() throws Exception {
    open(base());
    appendSegments(3, 1);
    log.appendAsLeader(batch(1, "a", "b"), 0);
    assertThatThrownBy(() -> log.deleteRecordsBefore(2)).isInstanceOf(IllegalArgumentException.class);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.deleteRecordsBefore(4)).isEqualTo(4);
    assertThat(log.logStartOffset()).isEqualTo(4);
    assertThat(log.segmentCount()).isEqualTo(1);
    LogReadResult r = log.read(4, 1000, Long.MAX_VALUE, true);
    assertThat(r.firstBatchBaseOffset()).isEqualTo(3);
    assertThat(log.read(3, 1000, Long.MAX_VALUE, true).outOfRange()).isTrue();
    assertThat(log.deleteRecordsBefore(1)).isEqualTo(4);
    log.close();
    log = SegmentedLog.open(dir(), base(), clock, new LogLoadState(Long.MAX_VALUE, 4, 5, true));
    assertThat(log.logStartOffset()).isEqualTo(4);
    assertThat(log.highWatermark()).isEqualTo(5);
  }

  // ------------------------------------------------------------------ truncation

  @Test
  void truncateToRemovesRecordsAtOrAboveOffset() throws Exception {
    open(base().withSegmentBytes(300));
    for (int i = 0; i < 10; i++) {
      log.appendAsLeader(batch(1, "v" + i, "w" + i), i < 5 ? 1 : 2);
    }
    assertThat(log.segmentCount()).isGreaterThan(2);
    log.updateHighWatermark(20);
    log.truncateTo(9);
    assertThat(log.logEndOffset()).isEqualTo(8);
    assertThat(log.highWatermark()).isEqualTo(8);
    assertThat(readAll(log, 0)).hasSize(8).endsWith("7:w3");
    assertThat(log.leaderEpochs().latestEpoch()).hasValue(1);
    log.truncateTo(8);
    assertThat(log.logEndOffset()).isEqualTo(8);
    log.appendAsLeader(batch(1, "new"), 3);
    assertThat(readAll(log, 6)).containsExactly("6:v3", "7:w3", "8:new");
    assertThat(log.leaderEpochs().entries()).containsEntry(3, 8L);
    log.close();
    log = SegmentedLog.open(dir(), base().withSegmentBytes(300), clock, LogLoadState.clean());
    assertThat(log.logEndOffset()).isEqualTo(9);
    assertThat(readAll(log, 0)).hasSize(9);
  }

  @Test
  void truncateAtTheLogEndDropsAnEpochThatHoldsNoRecord() throws Exception {
    open(base());
    log.appendAsLeader(batch(1, "a", "b"), 1);
    log.leaderEpochs().assign(2, 2); // a leader's new epoch, in which nothing was appended
    log.truncateTo(5);
    assertThat(log.logEndOffset()).isEqualTo(2);
    assertThat(log.leaderEpochs().entries()).containsExactly(java.util.Map.entry(1, 0L));
    assertThat(readAll(log, 0)).containsExactly("0:a", "1:b");
  }

  @Test
  void truncateFullyAndStartAtEmptiesTheLog() throws Exception {
    open(base());
    appendSegments(3, 1);
    log.truncateFullyAndStartAt(100);
    assertThat(log.logStartOffset()).isEqualTo(100);
    assertThat(log.logEndOffset()).isEqualTo(100);
    assertThat(log.segmentCount()).isEqualTo(1);
    assertThat(log.leaderEpochs().latestEpoch()).isEmpty();
    assertThat(log.read(0, 100, Long.MAX_VALUE, true).outOfRange()).isTrue();
    log.appendAsLeader(batch(1, "x"), 1);
    assertThat(readAll(log, 100)).containsExactly("100:x");
    try (var s = Files.list(dir())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).toList())
          .containsExactly("00000000000000000100.log");
    }
  }

  // ------------------------------------------------------------------ flush

  @Test
  void flushMessagesForcesAndAdvancesTheRecoveryPoint() throws Exception {
    open(base().withFlush(3, Long.MAX_VALUE));
    log.appendAsLeader(batch(1, "a", "b"), 0);
    assertThat(log.recoveryPoint()).isZero();
    log.appendAsLeader(batch(1, "c"), 0);
    assertThat(log.recoveryPoint()).isZero(); // the appender flushes after releasing its locks
    log.maybeFlush();
    assertThat(log.recoveryPoint()).isEqualTo(3);
  }

  @Test
  void flushMsFlushesWhenDue() throws Exception {
    open(base().withFlush(Long.MAX_VALUE, 1000));
    log.appendAsLeader(batch(1, "a"), 0);
    log.flushIfDue();
    assertThat(log.recoveryPoint()).isZero();
    clock.advance(1000);
    log.flushIfDue();
    assertThat(log.recoveryPoint()).isEqualTo(1);
  }

  @Test
  void defaultLeavesFlushingToTheOsExceptOnRoll() throws Exception {
    open(base());
    log.appendAsLeader(batch(1, "a"), 0);
    clock.advance(1_000_000);
    log.flushIfDue();
    assertThat(log.recoveryPoint()).isZero();
    log.roll();
    log.awaitBackgroundFlushes(); // the rolled segment is fsynced by the flusher, then the point moves
    assertThat(log.recoveryPoint()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ scan

  @Test
  void scanBatchesVisitsFromTheBatchContainingTheOffset() throws Exception {
    open(base());
    log.appendAsLeader(batch(1, "a", "b"), 0);
    log.roll();
    log.appendAsLeader(batch(1, "c"), 0);
    log.appendAsLeader(batch(1, "d"), 0);
    List<Long> bases = new ArrayList<>();
    log.scanBatches(1, b -> bases.add(RecordBatchHeader.baseOffset(b, b.position())));
    assertThat(bases).containsExactly(0L, 2L, 3L);
    bases.clear();
    log.scanBatches(3, b -> {
      assertThat(RecordBatchHeader.isCrcValid(b, b.position())).isTrue();
      bases.add(RecordBatchHeader.baseOffset(b, b.position()));
    });
    assertThat(bases).containsExactly(3L);
  }

  // ------------------------------------------------------------------ swap

  @Test
  void replaceSegmentsSwapsInACleanedSegment() throws Exception {
    open(base());
    appendSegments(3, 1);
    List<LogSegment> old = log.segments().subList(0, 2);
    LogSegment cleaned = LogSegment.create(dir(), 0, log.config(), LogSegment.CLEANED_SUFFIX);
    ByteBuffer kept = batch(1, "kept");
    RecordBatchHeader.setBaseOffset(kept, 0, 1);
    cleaned.append(kept, clock.milliseconds());
    assertThat(log.replaceSegments(old, cleaned)).isTrue();
    assertThat(log.segmentCount()).isEqualTo(3);
    assertThat(readAll(log, 0)).containsExactly("1:kept", "2:v2");
    try (var s = Files.list(dir())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".swap") || n.contains(".cleaned")).toList()).isEmpty();
    }
    log.close();
    log = SegmentedLog.open(dir(), base(), clock, LogLoadState.clean());
    assertThat(readAll(log, 0)).containsExactly("1:kept", "2:v2");
    // Stale old segments are refused.
    LogSegment again = LogSegment.create(dir(), 0, log.config(), LogSegment.CLEANED_SUFFIX);
    assertThat(log.replaceSegments(old, again)).isFalse();
    assertThat(dir().resolve("00000000000000000000.log.cleaned")).doesNotExist();
  }
}
