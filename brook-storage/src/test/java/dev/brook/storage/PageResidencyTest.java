package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page-cache residency of segment ranges: the kernel's answer (a hole of a sparse file was never
 * read, so it is not cached; bytes just written are), and the mapping behind it gone from the
 * process ({@code /proc/self/maps}) once the segment is closed, deleted or truncated.
 */
class PageResidencyTest {
  @TempDir Path tmp;
  SegmentedLog log;

  @BeforeEach
  void supported() {
    assertThat(PageResidency.supported()).as("this JDK can unmap (sun.misc.Unsafe.invokeCleaner)").isTrue();
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  @Test
  void writtenPagesAreResidentAndAHoleNeverReadIsNot() throws Exception {
    Path file = tmp.resolve("sparse.log");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(1 << 20);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        PageResidency r = new PageResidency(ch)) {
      assertThat(r.resident(0, 4096, 1 << 20)).as("a hole never read").isFalse();
      ch.write(ByteBuffer.wrap(new byte[8192]), 0);
      assertThat(r.resident(0, 8192, 1 << 20)).as("just written").isTrue();
      assertThat(r.resident(100, 5000, 1 << 20)).as("a range inside written pages").isTrue();
      assertThat(r.resident(4096, 8192, 1 << 20)).as("reaching into the hole").isFalse();
      assertThat(r.resident(512 << 10, 4096, 1 << 20)).isFalse();
      assertThat(r.resident(0, 0, 1 << 20)).as("an empty range").isTrue();
      assertThat(r.resident((1 << 20) - 10, 20, 1 << 20)).as("beyond the file: cannot tell").isFalse();
      assertThat(mappingsOf(file)).hasSize(1);
      r.close();
      assertThat(r.mapped()).isFalse();
      assertThat(mappingsOf(file)).as("unmapped at once, not at the next GC").isEmpty();
    }
  }

  @Test
  void oldSegmentsJustWrittenAreResidentAndUnmappedWhenTheLogCloses() throws Exception {
    open();
    assertThat(log.resident(0, 1 << 20)).as("written moments ago").isTrue();
    LogSegment first = log.segments().get(0);
    assertThat(first.residencyMapped()).as("the first segment was asked").isTrue();
    assertThat(mappingsOf(first.logFile())).hasSize(1);
    long active = log.segments().get(log.segments().size() - 1).baseOffset();
    log.segments().forEach(s -> assertThat(log.resident(s.baseOffset(), 1 << 20)).isTrue());
    assertThat(log.segments().get(log.segments().size() - 1).residencyMapped())
        .as("the active segment always counts as resident, never mapped").isFalse();
    assertThat(log.resident(active, 1 << 20)).isTrue();

    List<LogSegment> segments = log.segments();
    log.close();
    log = null;
    assertThat(segments).noneMatch(LogSegment::residencyMapped);
    assertThat(mappingsOf(tmp)).as("no mapping of any file of the log").isEmpty();
  }

  @Test
  void aDeletedSegmentLeavesNoMappingBehind() throws Exception {
    open();
    LogSegment first = log.segments().get(0);
    long second = log.segments().get(1).baseOffset();
    assertThat(log.resident(0, 1 << 20)).isTrue();
    Path file = first.logFile();
    assertThat(mappingsOf(file)).hasSize(1);
    log.updateHighWatermark(log.logEndOffset());
    log.deleteRecordsBefore(second);
    assertThat(Files.exists(file)).isFalse();
    assertThat(first.residencyMapped()).isFalse();
    assertThat(mappingsOf(tmp)).as("a deleted file still mapped would keep its disk space").isEmpty();
    assertThat(log.resident(0, 1 << 20)).as("below the log start: no file read").isTrue();
  }

  @Test
  void truncationUnmapsTheSegmentItShortens() throws Exception {
    open();
    LogSegment first = log.segments().get(0);
    assertThat(log.resident(1, 1 << 20)).isTrue();
    assertThat(first.residencyMapped()).isTrue();
    log.truncateTo(2);
    assertThat(first.residencyMapped()).as("a mapping past the new end is dropped").isFalse();
    assertThat(mappingsOf(tmp)).isEmpty();
    assertThat(log.resident(1, 1 << 20)).as("now the active segment").isTrue();
  }

  /** A log of several 1 KiB segments, every one written moments ago. */
  private void open() throws IOException {
    LogConfig config = LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100)
        .withSegmentIndexBytes(4096).withFileDeleteDelayMs(0);
    log = SegmentedLog.open(tmp.resolve("orders-0"), config, new FakeClock(), LogLoadState.clean());
    for (int i = 0; i < 40; i++) {
      log.appendAsLeader(batch(1000 + i, "value-" + i + "-".repeat(100)), 0);
    }
    assertThat(log.segments().size()).isGreaterThan(4);
  }

  /**
   * Lines of /proc/self/maps naming a log file ({@code .log}, renamed or deleted ones too) at or
   * under {@code path}; the indexes' own mappings are not counted.
   */
  private static List<String> mappingsOf(Path path) throws IOException {
    String prefix = path.toRealPath().toString();
    String logical = path.toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(prefix) || l.contains(logical))
        .filter(l -> l.matches(".*\\.log(\\.[a-z]+)?( \\(deleted\\))?$"))
        .toList();
  }
}
