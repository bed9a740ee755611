package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a directory: one just created, leftovers and swaps of an interrupted clean, a torn tail. */
class LogLoaderTest {
  static final LogId ID = new LogId("t", 0);
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults();
  LogLoader.Loaded loaded;

  Path dir() {
    return tmp.resolve("t-0");
  }

  @AfterEach
  void close() throws IOException {
    if (loaded != null) {
      for (LogSegment s : loaded.segments().values()) {
        s.close();
      }
    }
  }

  /** Writes a closed segment at {@code base} with {@code batches} batches of 5 records each. */
  void segment(long base, int batches, String suffix) throws IOException {
    LogSegment s = LogSegment.create(dir(), base, config, suffix);
    for (int i = 0; i < batches; i++) {
      ByteBuffer batch = Batches.sized(1000 + base + i, 5, 10);
      RecordBatchHeader.setBaseOffset(batch, 0, base + 5L * i);
      s.append(batch, 0);
    }
    s.close();
  }

  List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aDirectoryJustCreatedLoadsAsOneEmptySegmentAtTheCheckpointedStart() throws IOException {
    assertThat(LogLoader.createDir(dir())).isTrue();
    assertThat(LogLoader.createDir(dir())).isFalse();
    loaded = LogLoader.load(ID, dir(), config, clock, new LogLoadState(Long.MAX_VALUE, 42, 50, true), true);
    assertThat(loaded.segments().keySet()).containsExactly(42L);
    assertThat(loaded.active()).isSameAs(loaded.segments().get(42L));
    assertThat(loaded.logStartOffset()).isEqualTo(42);
    assertThat(loaded.logEndOffset()).isEqualTo(42);
    assertThat(loaded.highWatermark()).isEqualTo(42);
    assertThat(loaded.loadedAtMs()).isEqualTo(clock.milliseconds());
    assertThat(loaded.producerSnapshots().offsets()).isEmpty();
  }

  @Test
  void aCleanLoadClampsTheCheckpointedOffsetsToTheSegments() throws IOException {
    Files.createDirectories(dir());
    segment(0, 2, "");
    segment(10, 2, "");
    loaded = LogLoader.load(ID, dir(), config, clock, new LogLoadState(Long.MAX_VALUE, 5, 100, true), false);
    assertThat(loaded.segments().keySet()).containsExactly(0L, 10L);
    assertThat(loaded.logStartOffset()).isEqualTo(5);
    assertThat(loaded.logEndOffset()).isEqualTo(20);
    assertThat(loaded.highWatermark()).isEqualTo(20);
  }

  @Test
  void leftoversAreRemovedAndAnInterruptedSwapCompleted() throws IOException {
    Files.createDirectories(dir());
    segment(0, 2, "");
    segment(10, 2, "");
    segment(20, 2, "");
    // A cleaned segment for [0, 20) renamed .swap; the old segments not yet renamed .deleted.
    LogSegment cleaned = LogSegment.create(dir(), 0, config, LogSegment.SWAP_SUFFIX);
    ByteBuffer kept = Batches.sized(1, 5, 10);
    RecordBatchHeader.setBaseOffset(kept, 0, 15);
    cleaned.append(kept, 0);
    cleaned.close();
    Files.writeString(dir().resolve(LogSegment.fileName(20, ".log") + LogSegment.CLEANED_SUFFIX), "partial");
    Files.writeString(dir().resolve(LogSegment.fileName(99, ".log") + LogSegment.DELETED_SUFFIX), "old");
    Files.writeString(dir().resolve(LogSegment.fileName(30, ".log") + LogSegment.PREPARED_SUFFIX), "");
    Files.writeString(dir().resolve(LeaderEpochFileCache.FILE_NAME + CheckpointFile.TMP_SUFFIX), "x");

    loaded = LogLoader.load(ID, dir(), config, clock, LogLoadState.clean(), false);

    assertThat(files()).noneMatch(n -> n.endsWith(LogSegment.SWAP_SUFFIX) || n.endsWith(LogSegment.CLEANED_SUFFIX)
        || n.endsWith(LogSegment.DELETED_SUFFIX) || n.endsWith(LogSegment.PREPARED_SUFFIX) || n.endsWith(CheckpointFile.TMP_SUFFIX));
    assertThat(loaded.segments().keySet()).containsExactly(0L, 20L);
    assertThat(loaded.segments().get(0L).readNextOffset()).isEqualTo(20);
    assertThat(loaded.logEndOffset()).isEqualTo(30);
  }

  @Test
  void anUncleanLoadEndsTheLogAtATornBatchAndDropsTheSegmentsAfterIt() throws IOException {
    Files.createDirectories(dir());
    segment(0, 2, "");
    segment(10, 2, "");
    segment(20, 2, "");
    Path torn = dir().resolve(LogSegment.fileName(10, ".log"));
    try (FileChannel ch = FileChannel.open(torn, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 3); // the second batch of [10, 20) loses its last bytes
    }
    loaded = LogLoader.load(ID, dir(), config, clock, new LogLoadState(0, -1, 100, false), false);
    assertThat(loaded.segments().keySet()).containsExactly(0L, 10L);
    assertThat(loaded.logEndOffset()).isEqualTo(15);
    assertThat(loaded.highWatermark()).isEqualTo(15);
    assertThat(loaded.logStartOffset()).isZero();
    assertThat(files()).doesNotContain(LogSegment.fileName(20, ".log"));
  }
}
