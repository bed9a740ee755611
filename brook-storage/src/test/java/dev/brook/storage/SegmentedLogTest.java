package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.readAll;
import static dev.brook.storage.Batches.records;
import static dev.brook.storage.Batches.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedLogTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  SegmentedLog log;

  Path dir() {
    return tmp.resolve("orders-0");
  }

  SegmentedLog open(LogConfig config) throws IOException {
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    return log;
  }

  SegmentedLog reopen(LogConfig config, LogLoadState state) throws IOException {
    log.close();
    log = SegmentedLog.open(dir(), config, clock, state);
    return log;
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  static LogConfig small() {
    return LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100).withSegmentIndexBytes(4096).withFileDeleteDelayMs(0);
  }

  @Test
  void appendAssignsOffsetsAndEpochInPlace() throws Exception {
    open(LogConfig.defaults());
    ByteBuffer b = batch(1000, "a", "b", "c");
    int pos = b.position();
    AppendResult r1 = log.appendAsLeader(b, 7);
    assertThat(b.position()).isEqualTo(pos);
    assertThat(RecordBatchHeader.baseOffset(b, 0)).isZero();
    assertThat(RecordBatchHeader.partitionLeaderEpoch(b, 0)).isEqualTo(7);
    assertThat(r1.firstOffset()).isZero();
    assertThat(r1.lastOffset()).isEqualTo(2);
    assertThat(r1.batches()).isEqualTo(1);
    assertThat(r1.validBytes()).isEqualTo(b.remaining());
    AppendResult r2 = log.appendAsLeader(Batches.concat(batch(2000, "d"), batch(3000, "e", "f")), 7);
    assertThat(r2.firstOffset()).isEqualTo(3);
    assertThat(r2.lastOffset()).isEqualTo(5);
    assertThat(r2.maxTimestamp()).isEqualTo(3000);
    assertThat(r2.offsetOfMaxTimestamp()).isEqualTo(4);
    assertThat(log.logEndOffset()).isEqualTo(6);
    List<MutableRecordBatch> batches = Batches.batches(log.read(0, 1 << 20, Long.MAX_VALUE, true).records());
    assertThat(batches).extracting(MutableRecordBatch::baseOffset).containsExactly(0L, 3L, 4L);
    assertThat(batches).allSatisfy(bb -> assertThat(bb.partitionLeaderEpoch()).isEqualTo(7));
    assertThat(readAll(log, 0)).containsExactly("0:a", "1:b", "2:c", "3:d", "4:e", "5:f");
    assertThat(log.leaderEpochs().latestEpoch()).hasValue(7);
  }

  @Test
  void tailStartOffsetCountsWholeSegmentsBackFromTheActiveOne() throws Exception {
    open(small());
    for (int i = 0; i < 60; i++) {
      log.appendAsLeader(batch(1000 + i, "value-" + i + "-".repeat(100)), 0);
    }
    List<Long> bases = log.segments().stream().map(LogSegment::baseOffset).toList();
    assertThat(bases.size()).isGreaterThan(4);
    long active = bases.get(bases.size() - 1);
    assertThat(log.tailStartOffset(1)).as("the active segment always counts").isEqualTo(active);
    assertThat(log.tailStartOffset(Long.MAX_VALUE)).as("the whole log").isEqualTo(bases.get(0));
    // The active segment is not empty and each rolled one holds under 1 KiB: 2 KiB reach back over
    // at least two rolled segments, never all of them.
    long twoKib = log.tailStartOffset(2048);
    assertThat(twoKib).isLessThan(bases.get(bases.size() - 2)).isGreaterThan(bases.get(0));
  }

  @Test
  void rejectsMalformedAppendsWithoutChangingTheLog() throws Exception {
    open(LogConfig.defaults());
    ByteBuffer b = batch(1, "a");
    ByteBuffer cut = b.duplicate().limit(b.limit() - 3);
    assertThatThrownBy(() -> log.appendAsLeader(cut, 0)).isInstanceOf(InvalidBatchException.class);
    ByteBuffer badMagic = batch(1, "a");
    badMagic.put(RecordBatchHeader.MAGIC, (byte) 1);
    assertThatThrownBy(() -> log.appendAsLeader(badMagic, 0)).isInstanceOf(InvalidBatchException.class);
    assertThatThrownBy(() -> log.appendAsLeader(ByteBuffer.allocate(0), 0)).isInstanceOf(InvalidBatchException.class);
    assertThat(log.logEndOffset()).isZero();
    assertThat(log.sizeInBytes()).isZero();
  }

  @Test
  void fetchFromMiddleOfBatchReturnsWholeBatch() throws Exception {
    open(LogConfig.defaults());
    log.appendAsLeader(batch(1, "a", "b", "c"), 0);
    log.appendAsLeader(batch(1, "d", "e"), 0);
    LogReadResult r = log.read(1, 1 << 20, Long.MAX_VALUE, true);
    assertThat(r.outOfRange()).isFalse();
    assertThat(r.firstBatchBaseOffset()).isZero();
    assertThat(records(r.records())).containsExactly("0:a", "1:b", "2:c", "3:d", "4:e");
    LogReadResult r4 = log.read(4, 1 << 20, Long.MAX_VALUE, true);
    assertThat(r4.firstBatchBaseOffset()).isEqualTo(3);
    assertThat(records(r4.records())).containsExactly("3:d", "4:e");
  }

  @Test
  void readHonoursMaxBytesButReturnsAtLeastOneBatch() throws Exception {
    open(LogConfig.defaults());
    ByteBuffer b1 = sized(1, 1, 200);
    int size = b1.remaining();
    log.appendAsLeader(b1, 0);
    log.appendAsLeader(sized(1, 1, 200), 0);
    log.appendAsLeader(sized(1, 1, 200), 0);
    assertThat(log.read(0, 10, Long.MAX_VALUE, true).records().length()).isEqualTo(size);
    assertThat(log.read(0, 10, Long.MAX_VALUE, false).records().isEmpty()).isTrue();
    assertThat(log.read(0, 2 * size + 5, Long.MAX_VALUE, false).records().length()).isEqualTo(2 * size);
    assertThat(log.read(0, 1 << 20, Long.MAX_VALUE, false).records().length()).isEqualTo(3 * size);
  }

  @Test
  void readStopsAtMaxOffsetAndReportsOutOfRange() throws Exception {
    open(LogConfig.defaults());
    log.appendAsLeader(batch(1, "a", "b"), 0);
    log.appendAsLeader(batch(1, "c"), 0);
    log.updateHighWatermark(2);
    assertThat(log.highWatermark()).isEqualTo(2);
    assertThat(records(log.read(0, 1 << 20, log.highWatermark(), true).records())).containsExactly("0:a", "1:b");
    LogReadResult atHw = log.read(2, 1 << 20, 2, true);
    assertThat(atHw.outOfRange()).isFalse();
    assertThat(atHw.records().isEmpty()).isTrue();
    LogReadResult atEnd = log.read(3, 1 << 20, Long.MAX_VALUE, true);
    assertThat(atEnd.outOfRange()).isFalse();
    assertThat(atEnd.records().isEmpty()).isTrue();
    assertThat(atEnd.logEndOffset()).isEqualTo(3);
    assertThat(log.read(4, 1 << 20, Long.MAX_VALUE, true).outOfRange()).isTrue();
    assertThat(log.read(-1, 1 << 20, Long.MAX_VALUE, true).outOfRange()).isTrue();
    log.updateHighWatermark(99);
    assertThat(log.highWatermark()).isEqualTo(3);
  }

  @Test
  void rollsOnSegmentBytes() throws Exception {
    open(small());
    for (int i = 0; i < 20; i++) {
      log.appendAsLeader(sized(1, 1, 100), 0);
    }
    assertThat(log.segmentCount()).isGreaterThan(2);
    for (LogSegment s : log.segments()) {
      assertThat(s.sizeInBytes()).isLessThanOrEqualTo(1024);
    }
    assertThat(readAll(log, 0)).hasSize(20);
    for (int o = 0; o < 20; o++) {
      LogReadResult r = log.read(o, 1, Long.MAX_VALUE, true);
      assertThat(r.firstBatchBaseOffset()).isEqualTo(o);
    }
    // Rolled segments have trimmed indexes (by the flusher); the active one is preallocated.
    log.awaitBackgroundFlushes();
    List<LogSegment> segs = log.segments();
    LogSegment first = segs.get(0);
    assertThat(Files.size(first.offsetIndex().file())).isEqualTo(first.offsetIndex().entries() * 8L);
    // sized for a 1024-byte segment (1024 / 101 + 2 entries), below segment.index.bytes (4096)
    assertThat(Files.size(log.activeSegment().offsetIndex().file())).isEqualTo(12L * OffsetIndex.ENTRY_SIZE);
    assertThat(dir().resolve("00000000000000000000.log")).exists();
    assertThat(dir().resolve(LogSegment.fileName(segs.get(1).baseOffset(), ".index"))).exists();
  }

  @Test
  void rollsOnSegmentMs() throws Exception {
    open(LogConfig.defaults().withSegmentMs(1000));
    log.appendAsLeader(batch(1, "a"), 0);
    clock.advance(999);
    log.appendAsLeader(batch(1, "b"), 0);
    assertThat(log.segmentCount()).isEqualTo(1);
    clock.advance(2);
    log.appendAsLeader(batch(1, "c"), 0);
    assertThat(log.segmentCount()).isEqualTo(2);
    assertThat(log.activeSegment().baseOffset()).isEqualTo(2);
    clock.advance(5000);
    assertThat(log.segmentCount()).isEqualTo(2);
  }

  @Test
  void segmentJitterRollsEachSegmentAFixedAmountEarlierNeverLater() throws Exception {
    LogConfig config = LogConfig.defaults().withSegmentMs(10_000).withSegmentJitterMs(4_000);
    open(config);
    log.appendAsLeader(batch(1, "a"), 0);
    long rollAfter = log.activeSegment().rollAfterMs(config);
    assertThat(rollAfter).isGreaterThan(6_000).isLessThanOrEqualTo(10_000);
    clock.advance(rollAfter);
    log.appendAsLeader(batch(1, "b"), 0);
    assertThat(log.segmentCount()).isEqualTo(1);
    clock.advance(1);
    log.appendAsLeader(batch(1, "c"), 0);
    assertThat(log.segmentCount()).isEqualTo(2);
    // Partitions made at the same moment roll at different moments.
    java.util.Set<Long> rollAfters = new java.util.HashSet<>();
    for (int p = 0; p < 16; p++) {
      SegmentedLog other = SegmentedLog.open(tmp.resolve("jitter-" + p), config, clock, LogLoadState.clean());
      long r = other.activeSegment().rollAfterMs(config);
      assertThat(r).isGreaterThan(6_000).isLessThanOrEqualTo(10_000);
      rollAfters.add(r);
      other.close();
    }
    assertThat(rollAfters).hasSizeGreaterThan(8);
    assertThat(log.activeSegment().rollAfterMs(config.withSegmentJitterMs(0))).isEqualTo(10_000);
  }

  @Test
  void maxCompactionLagRollsACompactedLogsActiveSegmentInTime() throws Exception {
    LogConfig compacted = LogConfig.defaults().withCleanupPolicy(true, false).withSegmentMs(60_000).withMaxCompactionLagMs(1_000);
    open(compacted);
    log.appendAsLeader(batch(1, "a"), 0);
    clock.advance(1_001);
    log.appendAsLeader(batch(1, "b"), 0);
    assertThat(log.segmentCount()).isEqualTo(2); // its records become cleanable within the bound
    log.close();
    log = null;
    LogConfig deleting = compacted.withCleanupPolicy(false, true);
    SegmentedLog other = SegmentedLog.open(tmp.resolve("deleting-0"), deleting, clock, LogLoadState.clean());
    other.appendAsLeader(batch(1, "a"), 0);
    clock.advance(1_001);
    other.appendAsLeader(batch(1, "b"), 0);
    assertThat(other.segmentCount()).isEqualTo(1); // no compaction, no bound
    other.close();
  }

  @Test
  void rollsOnFullIndex() throws Exception {
    open(LogConfig.defaults().withIndexIntervalBytes(1).withSegmentIndexBytes(8 * 4));
    for (int i = 0; i < 12; i++) {
      log.appendAsLeader(batch(1, "v" + i), 0);
    }
    assertThat(log.segmentCount()).isGreaterThan(1);
    assertThat(readAll(log, 0)).hasSize(12);
  }

  @Test
  void activeSegmentIndexesArePreallocatedForWhatTheSegmentCanHoldNotSegmentIndexBytes() throws Exception {
    // 2 MiB segments, an entry per 4096 bytes: 2097152 / 4097 + 2 = 513 entries, not 10 MiB worth.
    LogConfig config = LogConfig.defaults().withSegmentBytes(2 << 20).withFileDeleteDelayMs(0);
    open(config);
    log.appendAsLeader(batch(1, "a"), 0);
    Path index = dir().resolve(LogSegment.fileName(0, LogSegment.INDEX_SUFFIX));
    Path timeIndex = dir().resolve(LogSegment.fileName(0, LogSegment.TIME_INDEX_SUFFIX));
    assertThat(Files.size(index)).isEqualTo(513 * 8);
    assertThat(Files.size(timeIndex)).isEqualTo(513 * 12);
    log.roll();
    log.appendAsLeader(batch(2, "b"), 0);
    log.flush();
    log.awaitBackgroundFlushes();
    Path nextIndex = dir().resolve(LogSegment.fileName(1, LogSegment.INDEX_SUFFIX));
    assertThat(Files.size(nextIndex)).isEqualTo(513 * 8);
    assertThat(Files.size(index)).as("trimmed at the roll").isZero();
    // Kafka's 1 GiB default: 2 MiB and 3 MiB; segment.index.bytes still caps it.
    assertThat(LogConfig.defaults().activeIndexBytes(8)).isEqualTo((1073741824 / 4097 + 2) * 8);
    assertThat(LogConfig.defaults().withSegmentIndexBytes(4096).activeIndexBytes(8)).isEqualTo(4096);
  }

  @Test
  void segmentsWithSizedIndexesRollOnSizeNeverOnAFullIndex() throws Exception {
    // Whatever the interval and however many batches an append carries (a follower's fetch can
    // bring hundreds), a segment rolls because the next append would not fit, never because its
    // index, sized for segment.bytes, might overflow.
    int segmentBytes = 16 * 1024;
    for (int interval : new int[] {0, 1, 100, 4096}) {
      if (log != null) {
        log.close();
      }
      log = SegmentedLog.open(tmp.resolve("sized" + interval + "-0"), LogConfig.defaults().withSegmentBytes(segmentBytes)
          .withIndexIntervalBytes(interval).withFileDeleteDelayMs(0), clock, LogLoadState.clean());
      java.util.Random rnd = new java.util.Random(interval);
      int rolls = 0;
      for (int i = 0; i < 300; i++) {
        int count = rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(40);
        ByteBuffer[] parts = new ByteBuffer[count];
        for (int j = 0; j < count; j++) {
          parts[j] = sized(1, 1, rnd.nextInt(300));
        }
        ByteBuffer b = Batches.concat(parts);
        int bytes = b.remaining();
        LogSegment before = log.activeSegment();
        int sizeBefore = before.sizeInBytes();
        log.appendAsLeader(b, 0);
        if (log.activeSegment() != before) {
          rolls++;
          assertThat(sizeBefore + bytes).as("interval %d, append %d of %d batches rolled early", interval, i, count)
              .isGreaterThan(segmentBytes);
        }
      }
      assertThat(rolls).isGreaterThan(5);
      log.awaitBackgroundFlushes();
      for (LogSegment s : log.segments()) {
        assertThat(s.indexesLookValid()).isTrue();
      }
    }
  }

  @Test
  void explicitRollAndReadAcrossSegments() throws Exception {
    open(LogConfig.defaults());
    log.appendAsLeader(batch(1, "a", "b"), 0);
    log.roll();
    log.roll();
    log.appendAsLeader(batch(1, "c"), 0);
    assertThat(log.segmentCount()).isEqualTo(2);
    assertThat(readAll(log, 0)).containsExactly("0:a", "1:b", "2:c");
    assertThat(records(log.read(2, 100, Long.MAX_VALUE, true).records())).containsExactly("2:c");
    log.awaitBackgroundFlushes();
    assertThat(log.recoveryPoint()).isEqualTo(2);
  }

  @Test
  void reopenAfterCleanCloseKeepsEverything() throws Exception {
    open(small());
    for (int i = 0; i < 30; i++) {
      log.appendAsLeader(batch(1000 + i, "v" + i), i / 10);
    }
    long end = log.logEndOffset();
    int segs = log.segmentCount();
    reopen(small(), LogLoadState.clean());
    assertThat(log.logEndOffset()).isEqualTo(end);
    assertThat(log.segmentCount()).isEqualTo(segs);
    assertThat(readAll(log, 0)).hasSize(30).startsWith("0:v0").endsWith("29:v29");
    assertThat(log.leaderEpochs().entries()).containsEntry(0, 0L).containsEntry(1, 10L).containsEntry(2, 20L);
    log.appendAsLeader(batch(1, "more"), 2);
    assertThat(readAll(log, 29)).containsExactly("29:v29", "30:more");
  }

  @Test
  void cleanOpenDoesNotScanSegments() throws Exception {
    open(small());
    for (int i = 0; i < 30; i++) {
      log.appendAsLeader(batch(1, "v" + i), 0);
    }
    log.close();
    // Flip a record byte in the middle of the first segment: a scan would see a bad CRC and truncate.
    Path first = dir().resolve("00000000000000000000.log");
    try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55}), 100);
    }
    long size = Files.size(first);
    log = SegmentedLog.open(dir(), small(), clock, LogLoadState.clean());
    assertThat(Files.size(first)).isEqualTo(size);
    assertThat(log.logEndOffset()).isEqualTo(30);
  }

  /** One appended batch as the model knows it. */
  record ModelBatch(long base, long last, long position, int size) {}

  @Test
  void readOfManyBatchesMatchesAHeaderByHeaderModel() throws Exception {
    // Index entries every few batches: reads jump over indexed batches and scan the rest.
    for (int interval : new int[] {1, 300, 5000}) {
      if (log != null) {
        log.close();
      }
      log = SegmentedLog.open(tmp.resolve("model" + interval + "-0"), LogConfig.defaults().withSegmentBytes(64 * 1024)
          .withIndexIntervalBytes(interval).withFileDeleteDelayMs(0).withSegmentIndexBytes(64 * 1024), clock, LogLoadState.clean());
      java.util.Random rnd = new java.util.Random(interval);
      java.util.TreeMap<Long, List<ModelBatch>> bySegment = new java.util.TreeMap<>();
      for (int i = 0; i < 400; i++) {
        long before = log.segmentCount();
        AppendResult r = log.appendAsLeader(sized(1, 1 + rnd.nextInt(4), rnd.nextInt(700)), 0);
        long segBase = log.activeSegment().baseOffset();
        List<ModelBatch> seg = bySegment.computeIfAbsent(segBase, k -> new java.util.ArrayList<>());
        long pos = seg.isEmpty() ? 0 : seg.get(seg.size() - 1).position() + seg.get(seg.size() - 1).size();
        seg.add(new ModelBatch(r.firstOffset(), r.lastOffset(), pos, r.validBytes()));
        assertThat(before).isLessThanOrEqualTo(log.segmentCount());
      }
      long end = log.logEndOffset();
      for (int i = 0; i < 3000; i++) {
        long offset = rnd.nextLong(end);
        int maxBytes = rnd.nextInt(4) == 0 ? rnd.nextInt(200) : rnd.nextInt(70_000);
        long bound = rnd.nextBoolean() ? end : offset + rnd.nextLong(end - offset + 1);
        boolean minOne = rnd.nextBoolean();
        List<ModelBatch> seg = bySegment.floorEntry(offset).getValue();
        long expectedPos = -1;
        long expectedLength = 0;
        for (ModelBatch b : seg) {
          if (b.last() < offset) {
            continue;
          }
          if (expectedPos < 0) {
            expectedPos = b.position();
            if (b.last() >= bound || (b.size() > maxBytes && !minOne)) {
              break;
            }
            expectedLength = b.size();
            continue;
          }
          if (expectedLength >= maxBytes || b.last() >= bound || expectedLength + b.size() > maxBytes) {
            break;
          }
          expectedLength += b.size();
        }
        LogReadResult r = log.read(offset, maxBytes, bound, minOne);
        String what = "interval " + interval + " read(" + offset + ", " + maxBytes + ", " + bound + ", " + minOne + ")";
        assertThat(r.records().length()).as(what).isEqualTo(expectedLength);
        if (expectedLength > 0) {
          assertThat(r.records().position()).as(what).isEqualTo(expectedPos);
        }
      }
    }
  }
}
