package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reopening after every kind of interruption: torn tails, garbage, zeroed regions, bad indexes. */
class RecoveryTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withIndexIntervalBytes(128).withSegmentIndexBytes(1024).withFileDeleteDelayMs(0);
  SegmentedLog log;
  final List<Integer> batchSizes = new ArrayList<>();

  Path dir() {
    return tmp.resolve("crash-0");
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  /** Writes {@code n} two-record batches "r<i>a", "r<i>b" and closes the log cleanly. */
  void writeAndClose(int n) throws IOException {
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    for (int i = 0; i < n; i++) {
      AppendResult r = log.appendAsLeader(batch(1000 + i, "r" + i + "a", "r" + i + "b"), 1);
      batchSizes.add(r.validBytes());
    }
    log.close();
    log = null;
  }

  SegmentedLog reopenUnclean() throws IOException {
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.unclean());
    return log;
  }

  Path segmentFile(long base, String suffix) {
    return dir().resolve(LogSegment.fileName(base, suffix));
  }

  List<Long> segmentBases() throws IOException {
    return new ArrayList<>(LogFiles.segmentBases(dir()).keySet());
  }

  static void write(Path file, long position, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), position);
    }
  }

  static List<String> expected(int batches) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      out.add((2 * i) + ":r" + i + "a");
      out.add((2 * i + 1) + ":r" + i + "b");
    }
    return out;
  }

  @Test
  void tornLastBatchIsTruncated() throws Exception {
    writeAndClose(40);
    List<Long> bases = segmentBases();
    Path last = segmentFile(bases.get(bases.size() - 1), ".log");
    long size = Files.size(last);
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
      ch.truncate(size - 7);
    }
    reopenUnclean();
    assertThat(log.logEndOffset()).isEqualTo(78);
    assertThat(Files.size(last)).isEqualTo(size - batchSizes.get(39));
    assertThat(readAll(log, 0)).isEqualTo(expected(39));
    log.appendAsLeader(batch(1, "after"), 1);
    assertThat(readAll(log, 78)).containsExactly("78:after");
  }

  @Test
  void garbageAfterTheLastBatchIsRemoved() throws Exception {
    writeAndClose(10);
    Path last = segmentFile(segmentBases().get(segmentBases().size() - 1), ".log");
    long size = Files.size(last);
    byte[] garbage = new byte[500];
    new Random(42).nextBytes(garbage);
    write(last, size, garbage);
    reopenUnclean();
    assertThat(Files.size(last)).isEqualTo(size);
    assertThat(readAll(log, 0)).isEqualTo(expected(10));
  }

  @Test
  void zeroedRegionEndsTheLogThereAndDropsLaterSegments() throws Exception {
    writeAndClose(60);
    List<Long> bases = segmentBases();
    assertThat(bases.size()).isGreaterThan(2);
    // Zero bytes inside the 3rd batch of the second segment.
    long second = bases.get(1);
    int pos = 0;
    int firstBatchInSecond = (int) (second / 2);
    for (int i = firstBatchInSecond; i < firstBatchInSecond + 2; i++) {
      pos += batchSizes.get(i);
    }
    write(segmentFile(second, ".log"), pos + 20, new byte[40]);
    reopenUnclean();
    int kept = firstBatchInSecond + 2;
    assertThat(log.logEndOffset()).isEqualTo(2L * kept);
    assertThat(readAll(log, 0)).isEqualTo(expected(kept));
    assertThat(segmentBases()).containsExactly(bases.get(0), second);
    assertThat(log.segmentCount()).isEqualTo(2);
  }

  @Test
  void flippedBitPastTheRecoveryPointIsCaughtByTheCrc() throws Exception {
    writeAndClose(10);
    Path file = segmentFile(0, ".log");
    int pos = batchSizes.get(0) + batchSizes.get(1) + batchSizes.get(2) - 3;
    byte[] one = new byte[1];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.read(ByteBuffer.wrap(one), pos);
    }
    one[0] ^= 0x01;
    write(file, pos, one);
    reopenUnclean();
    assertThat(readAll(log, 0)).isEqualTo(expected(2));
  }

  @Test
  void onlySegmentsFromTheRecoveryPointAreScanned() throws Exception {
    writeAndClose(60);
    List<Long> bases = segmentBases();
    long lastBase = bases.get(bases.size() - 1);
    // Corrupt a record byte in the first segment (before the recovery point): not scanned, kept.
    write(segmentFile(0, ".log"), batchSizes.get(0) + 70, new byte[] {0x7f});
    long firstSize = Files.size(segmentFile(0, ".log"));
    // Tear the last segment (after the recovery point): scanned, truncated.
    Path last = segmentFile(lastBase, ".log");
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(last) - 1);
    }
    log = SegmentedLog.open(dir(), config, clock, new LogLoadState(lastBase, -1, -1, false));
    assertThat(Files.size(segmentFile(0, ".log"))).isEqualTo(firstSize);
    assertThat(log.logEndOffset()).isEqualTo(118);
    assertThat(log.segments().get(0).sizeInBytes()).isGreaterThan(batchSizes.get(0) + 70);
  }

  @Test
  void missingIndexesAreRebuilt() throws Exception {
    writeAndClose(40);
    List<Long> bases = segmentBases();
    Files.delete(segmentFile(0, ".index"));
    Files.delete(segmentFile(bases.get(1), ".timeindex"));
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    assertThat(segmentFile(0, ".index")).exists();
    assertThat(Files.size(segmentFile(0, ".index"))).isPositive();
    assertThat(Files.size(segmentFile(bases.get(1), ".timeindex"))).isPositive();
    assertThat(readAll(log, 0)).isEqualTo(expected(40));
    for (int o = 0; o < 80; o += 7) {
      assertThat(log.read(o, 1, Long.MAX_VALUE, true).firstBatchBaseOffset()).isEqualTo(o - o % 2);
    }
    assertThat(log.offsetForTimestamp(1010)).hasValue(new TimestampOffset(1010, 20));
  }

  @Test
  void corruptIndexIsRebuiltNotTrusted() throws Exception {
    writeAndClose(40);
    Path index = segmentFile(0, ".index");
    long size = Files.size(index);
    assertThat(size).isGreaterThanOrEqualTo(16);
    // Last entry points far past the end of the log.
    ByteBuffer bad = ByteBuffer.allocate(8).putInt(5).putInt(1 << 30).flip();
    try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
      ch.write(bad, size - 8);
    }
    // Time index with garbage length (not a multiple of 12) and decreasing entries.
    Path timeIndex = segmentFile(0, ".timeindex");
    byte[] junk = new byte[30];
    new Random(7).nextBytes(junk);
    Files.write(timeIndex, junk);
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    assertThat(readAll(log, 0)).isEqualTo(expected(40));
    for (int o = 0; o < 80; o++) {
      assertThat(log.read(o, 1, Long.MAX_VALUE, true).firstBatchBaseOffset()).isEqualTo(o - o % 2);
    }
    assertThat(log.offsetForTimestamp(1003)).hasValue(new TimestampOffset(1003, 6));
  }

  @Test
  void crashWithUntrimmedIndexesRecovers() throws Exception {
    SegmentedLog crashed = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    for (int i = 0; i < 25; i++) {
      crashed.appendAsLeader(batch(1000 + i, "r" + i + "a", "r" + i + "b"), 1);
    }
    // No close: the active segment's indexes stay preallocated, as after a kill.
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.unclean());
    assertThat(readAll(log, 0)).isEqualTo(expected(25));
    log.appendAsLeader(batch(1, "x"), 2);
    assertThat(log.logEndOffset()).isEqualTo(51);
  }

  @Test
  void interruptedSwapIsCompletedAndLeftoversRemoved() throws Exception {
    writeAndClose(80);
    List<Long> bases = segmentBases();
    long b0 = bases.get(0);
    long b1 = bases.get(1);
    // A finished clean of segments 0 and 1 left as .swap; the old files are still there.
    Path swapDir = tmp.resolve("swap-build");
    Files.createDirectories(swapDir);
    LogSegment cleaned = LogSegment.create(dir(), b0, config, LogSegment.SWAP_SUFFIX);
    ByteBuffer keep = batch(1, "compacted");
    RecordBatchHeader.setBaseOffset(keep, 0, b1 + 1);
    RecordBatchHeader.setPartitionLeaderEpoch(keep, 0, 1);
    cleaned.append(keep, 0);
    cleaned.close();
    // An unfinished clean and a half-done deletion.
    Files.writeString(dir().resolve(LogSegment.fileName(bases.get(2), ".log") + LogSegment.CLEANED_SUFFIX), "partial");
    Files.writeString(dir().resolve(LogSegment.fileName(999, ".log") + LogSegment.DELETED_SUFFIX), "old");
    Files.writeString(dir().resolve(LogSegment.fileName(999, ".index") + LogSegment.DELETED_SUFFIX), "old");
    Files.writeString(dir().resolve("leader-epoch-checkpoint.tmp"), "x");
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    try (var s = Files.list(dir())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".swap") || n.endsWith(".cleaned") || n.endsWith(".deleted") || n.endsWith(".tmp")).toList()).isEmpty();
    }
    assertThat(segmentBases()).doesNotContain(b1).contains(b0);
    List<String> all = readAll(log, 0);
    assertThat(all.get(0)).isEqualTo((b1 + 1) + ":compacted");
    assertThat(all.subList(1, all.size())).isEqualTo(expected(80).subList((int) bases.get(2).longValue(), 160));
  }

  @Test
  void logManagerRecoversWithoutTheCleanShutdownMarker() throws Exception {
    Path logDir = tmp.resolve("logs");
    LogId id = new LogId("m", 0);
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      PartitionLog l = m.getOrCreate(id, config);
      for (int i = 0; i < 10; i++) {
        l.appendAsLeader(batch(1, "r" + i + "a", "r" + i + "b"), 0);
      }
    }
    Files.delete(logDir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER));
    Path file = logDir.resolve("m-0").resolve(LogSegment.fileName(0, ".log"));
    long size = Files.size(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size - 3);
    }
    // The checkpointed recovery point says everything was flushed; a torn tail past it is still
    // possible only in the active segment, which is the one containing the recovery point.
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(readAll(m.get(id).orElseThrow(), 0)).isEqualTo(expected(9));
    }
  }
}
