package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next segment's files made by the flusher ahead of the roll ({@link LogSegment.Prepared}): the
 * roll opens no file on the appending thread, the rolled segment's index trim runs on the flusher,
 * and a crash at any point (files prepared, each rename of the adoption, before the trim) loses no
 * record and leaves no prepared file behind.
 */
class SegmentPrepareTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withIndexIntervalBytes(100)
      .withSegmentIndexBytes(4096).withFileDeleteDelayMs(0);
  final LogFlusher flusher = new LogFlusher("test-flusher");
  final LogDirFailureChannel failures = new LogDirFailureChannel();
  final List<String> acked = new ArrayList<>();
  final List<SegmentedLog> opened = new ArrayList<>();

  @AfterEach
  void tearDown() throws IOException {
    flusher.close();
    for (SegmentedLog l : opened) {
      l.close();
    }
  }

  Path dir() {
    return tmp.resolve("orders-0");
  }

  SegmentedLog open(Path dir, LogLoadState state) throws IOException {
    SegmentedLog log = SegmentedLog.open(LogId.parseDirName("orders-0"), dir, config, clock, state, RecordCodec.builtIn(),
        failures, flusher);
    opened.add(log);
    return log;
  }

  void append(SegmentedLog log, String value) throws IOException {
    String v = value + "-" + "x".repeat(200);
    AppendResult r = log.appendAsLeader(batch(clock.milliseconds(), v), 0);
    acked.add(r.firstOffset() + ":" + v);
  }

  /** Appends until the flusher has made the next segment's files; no roll yet. */
  SegmentedLog logWithPreparedFiles() throws IOException {
    SegmentedLog log = open(dir(), LogLoadState.clean());
    for (int i = 0; !Files.exists(prepared(dir(), ".log")); i++) {
      assertThat(i).as("appends before the files are prepared").isLessThan(8);
      append(log, "p" + i);
      flusher.drain();
    }
    assertThat(log.segmentCount()).isEqualTo(1);
    return log;
  }

  static Path prepared(Path dir, String suffix) {
    return LogSegment.preparedFile(dir, suffix);
  }

  static List<String> preparedFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(LogSegment.PREPARED_SUFFIX)).toList();
    }
  }

  /** What a crash keeps if the page cache reached the disk: a copy of the directory as it is now. */
  Path crashCopy(String name) throws IOException {
    Path copy = tmp.resolve(name).resolve("orders-0");
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(dir())) {
      for (Path p : files.toList()) {
        Files.copy(p, copy.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return copy;
  }

  @Test
  void rollWithPreparedFilesOpensNoFileOnTheAppendingThread() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    List<Path> openedByAppender = new CopyOnWriteArrayList<>();
    Thread appender = Thread.currentThread();
    try (FaultyFiles files = new FaultyFiles()) {
      files.onOpen = p -> {
        if (Thread.currentThread() == appender) {
          openedByAppender.add(p);
        }
      };
      for (int i = 0; log.segmentCount() == 1; i++) {
        assertThat(i).isLessThan(20);
        append(log, "r" + i);
      }
      assertThat(openedByAppender).as("files opened by the roll").isEmpty();
      long base = log.activeSegment().baseOffset();
      assertThat(dir().resolve(LogSegment.fileName(base, ".log"))).exists();
      assertThat(dir().resolve(LogSegment.fileName(base, ".index"))).exists();
      assertThat(dir().resolve(LogSegment.fileName(base, ".timeindex"))).exists();
      assertThat(preparedFiles(dir())).isEmpty();
      flusher.drain();
      // On the flusher: the rolled segment's indexes trimmed to their entries, then fsynced.
      LogSegment rolled = log.segments().get(0);
      assertThat(Files.size(rolled.offsetIndex().file())).isEqualTo(rolled.offsetIndex().sizeInBytes());
      assertThat(Files.size(rolled.timeIndex().file())).isEqualTo(rolled.timeIndex().sizeInBytes());
      assertThat(rolled.offsetIndex().entries()).isPositive();
      assertThat(log.recoveryPoint()).isEqualTo(base);
    }
    assertThat(readAll(log, 0)).containsExactlyElementsOf(acked);
  }

  @Test
  void crashWithPreparedFilesLosesNothingAndRemovesThem() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    Path copy = crashCopy("crash");
    assertThat(preparedFiles(copy)).hasSize(3);
    SegmentedLog reopened = open(copy, LogLoadState.unclean());
    assertThat(preparedFiles(copy)).isEmpty();
    assertThat(readAll(reopened, 0)).containsExactlyElementsOf(acked);
    for (int i = 0; reopened.segmentCount() < 3; i++) {
      assertThat(i).isLessThan(40);
      append(reopened, "after" + i);
      flusher.drain();
    }
    assertThat(readAll(reopened, 0)).containsExactlyElementsOf(acked);
    assertThat(log.segmentCount()).isEqualTo(1);
  }

  @Test
  void crashAtEachStepOfTheAdoptionLosesNothing() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    long end = log.logEndOffset();
    String[] order = {".index", ".timeindex", ".log"}; // the order LogSegment.adopt renames in
    for (int renamed = 0; renamed <= order.length; renamed++) {
      Path copy = crashCopy("crash-after-" + renamed + "-renames");
      for (int k = 0; k < renamed; k++) {
        Files.move(prepared(copy, order[k]), copy.resolve(LogSegment.fileName(end, order[k])), StandardCopyOption.ATOMIC_MOVE);
      }
      // The recovery point as the checkpoint would hold it: nothing fsynced yet.
      SegmentedLog reopened = open(copy, new LogLoadState(0, -1, -1, false));
      assertThat(preparedFiles(copy)).as("after %d renames", renamed).isEmpty();
      assertThat(readAll(reopened, 0)).as("after %d renames", renamed).containsExactlyElementsOf(acked);
      assertThat(reopened.logEndOffset()).isEqualTo(end);
      List<String> expected = new ArrayList<>(acked);
      for (int i = 0; reopened.segmentCount() < 3; i++) {
        assertThat(i).isLessThan(40);
        String v = "after" + renamed + "-" + i + "-" + "x".repeat(200);
        AppendResult r = reopened.appendAsLeader(batch(clock.milliseconds(), v), 0);
        expected.add(r.firstOffset() + ":" + v);
        flusher.drain();
      }
      assertThat(readAll(reopened, 0)).containsExactlyElementsOf(expected);
      reopened.close();
      assertThat(readAll(open(copy, LogLoadState.clean()), 0)).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void crashBeforeTheRolledSegmentsIndexTrimRebuildsTheIndex() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    CountDownLatch release = new CountDownLatch(1);
    flusher.submit(() -> await(release)); // holds the trim (and the fsync) of the roll below
    for (int i = 0; log.segmentCount() == 1; i++) {
      assertThat(i).isLessThan(20);
      append(log, "t" + i);
    }
    LogSegment rolled = log.segments().get(0);
    // still preallocated: room for what a 2048-byte segment can index (2048 / 101 + 2 entries)
    assertThat(Files.size(rolled.offsetIndex().file())).isEqualTo(22L * OffsetIndex.ENTRY_SIZE);
    // The worst case: a checkpoint claims the rolled segment was fsynced, so only indexes that
    // look invalid make the open rebuild it.
    Path copy = crashCopy("crash");
    release.countDown();
    flusher.drain();
    SegmentedLog reopened = open(copy, new LogLoadState(log.activeSegment().baseOffset(), -1, -1, false));
    LogSegment first = reopened.segments().get(0);
    assertThat(first.offsetIndex().entries()).isEqualTo(rolled.offsetIndex().entries());
    assertThat(first.timeIndex().entries()).isEqualTo(rolled.timeIndex().entries());
    for (int from = 0; from < acked.size(); from++) {
      assertThat(readAll(reopened, from)).containsExactlyElementsOf(acked.subList(from, acked.size()));
    }
  }

  @Test
  void truncationBackIntoARolledSegmentBeforeItsTrimKeepsItsIndexesWhole() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    CountDownLatch release = new CountDownLatch(1);
    flusher.submit(() -> await(release));
    for (int i = 0; log.segmentCount() == 1; i++) {
      assertThat(i).isLessThan(20);
      append(log, "u" + i);
    }
    long keep = log.activeSegment().baseOffset() - 1;
    log.truncateTo(keep); // segment 0 is active again, its trim still queued
    acked.subList((int) keep, acked.size()).clear();
    release.countDown();
    flusher.drain();
    assertThat(log.activeSegment().baseOffset()).isZero();
    assertThat(log.activeSegment().offsetIndex().maxEntries()).isEqualTo(config.activeIndexBytes(OffsetIndex.ENTRY_SIZE) / OffsetIndex.ENTRY_SIZE);
    for (int i = 0; log.segmentCount() == 1; i++) {
      assertThat(i).isLessThan(20);
      append(log, "v" + i);
      flusher.drain();
    }
    assertThat(readAll(log, 0)).containsExactlyElementsOf(acked);
    log.close();
    assertThat(readAll(open(dir(), LogLoadState.clean()), 0)).containsExactlyElementsOf(acked);
  }

  /**
   * A log truncated fully at the same offset twice within file.delete.delay.ms (a follower that
   * falls out of range again) renames two segments of base 0 to the same {@code .deleted} names; the
   * older one's delayed delete then removes the newer one's files. The newer one's index trim, still
   * queued from its roll, must not take that for a disk failure (it once took the directory offline).
   */
  @Test
  void aRolledSegmentWhoseDeletedFilesAreGoneBeforeItsTrimLeavesTheDirectoryOnline() throws Exception {
    LogConfig delayed = config.withFileDeleteDelayMs(60_000);
    SegmentedLog log = SegmentedLog.open(LogId.parseDirName("orders-0"), dir(), delayed, clock, LogLoadState.clean(),
        RecordCodec.builtIn(), failures, flusher);
    opened.add(log);
    CountDownLatch release = new CountDownLatch(1);
    flusher.submit(() -> await(release)); // holds both rolls' trims until the files are gone
    for (int generation = 0; generation < 2; generation++) {
      for (int i = 0; log.segmentCount() == 1; i++) {
        assertThat(i).isLessThan(20);
        append(log, "g" + generation + "-" + i);
      }
      log.truncateFullyAndStartAt(0); // the rolled segment 0 (and the active one) renamed .deleted
      acked.clear();
      clock.advance(30_000); // the first generation's delete comes due before the second's
    }
    log.deleteExpiredFiles(); // the first generation's segment 0 removes the .deleted names: the second's files
    assertThat(Files.exists(dir().resolve(LogSegment.fileName(0, ".timeindex") + LogSegment.DELETED_SUFFIX))).isFalse();
    release.countDown();
    flusher.drain();
    assertThat(failures.isOffline(tmp)).isFalse();
    assertThat(log.isOffline()).isFalse();
    append(log, "after");
    assertThat(readAll(log, 0)).containsExactlyElementsOf(acked);
  }

  @Test
  void closeRemovesUnusedPreparedFiles() throws Exception {
    SegmentedLog log = logWithPreparedFiles();
    log.close();
    assertThat(preparedFiles(dir())).isEmpty();
    assertThat(readAll(open(dir(), LogLoadState.clean()), 0)).containsExactlyElementsOf(acked);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
