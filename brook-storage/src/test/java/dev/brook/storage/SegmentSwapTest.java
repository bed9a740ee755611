package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner's swap over a segment map: the renames, the map, the retired segments, and the refusals. */
class SegmentSwapTest {
  @TempDir Path dir;
  final LogConfig config = LogConfig.defaults();
  final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
  final List<LogSegment> retired = new ArrayList<>();
  final List<LogSegment> open = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (LogSegment s : open) {
      s.close();
    }
  }

  LogSegment segment(long base, String suffix) throws IOException {
    LogSegment s = LogSegment.create(dir, base, config, suffix);
    ByteBuffer batch = Batches.sized(1, 5, 10);
    RecordBatchHeader.setBaseOffset(batch, 0, base);
    s.append(batch, 0);
    open.add(s);
    return s;
  }

  /** Segments at 0, 10 and 20 in the map, the last active. */
  List<LogSegment> threeSegments() throws IOException {
    for (long base : new long[] {0, 10, 20}) {
      segments.put(base, segment(base, ""));
    }
    return new ArrayList<>(segments.values());
  }

  List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".log")).sorted().toList();
    }
  }

  @Test
  void theCleanedSegmentTakesTheFirstKeyAndTheOldOnesAreRenamedAndRetired() throws IOException {
    List<LogSegment> segs = threeSegments();
    LogSegment cleaned = segment(0, LogSegment.CLEANED_SUFFIX);
    boolean swapped = SegmentSwap.replace(dir, segments, segs.get(2), segs.subList(0, 2), cleaned, retired::add);
    assertThat(swapped).isTrue();
    assertThat(segments).containsOnlyKeys(0L, 20L);
    assertThat(segments.get(0L)).isSameAs(cleaned);
    assertThat(retired).containsExactly(segs.get(0), segs.get(1));
    assertThat(files()).containsExactly(
        LogSegment.fileName(0, ".log"), LogSegment.fileName(0, ".log") + LogSegment.DELETED_SUFFIX,
        LogSegment.fileName(10, ".log") + LogSegment.DELETED_SUFFIX, LogSegment.fileName(20, ".log"));
  }

  @Test
  void segmentsNoLongerInTheLogAreNotSwappedAndTheCleanedFilesGo() throws IOException {
    List<LogSegment> segs = threeSegments();
    segments.remove(0L); // retention took the first meanwhile
    LogSegment cleaned = segment(0, LogSegment.CLEANED_SUFFIX);
    assertThat(SegmentSwap.replace(dir, segments, segs.get(2), segs.subList(0, 2), cleaned, retired::add)).isFalse();
    assertThat(segments).containsOnlyKeys(10L, 20L);
    assertThat(retired).isEmpty();
    assertThat(files()).noneMatch(n -> n.endsWith(LogSegment.CLEANED_SUFFIX) || n.endsWith(LogSegment.DELETED_SUFFIX));
  }

  @Test
  void theActiveSegmentOrAMisplacedCleanedOneIsRefused() throws IOException {
    List<LogSegment> segs = threeSegments();
    LogSegment withActive = segment(10, LogSegment.CLEANED_SUFFIX);
    assertThat(SegmentSwap.replace(dir, segments, segs.get(2), segs.subList(1, 3), withActive, retired::add)).isFalse();
    LogSegment misplaced = segment(5, LogSegment.CLEANED_SUFFIX);
    assertThat(SegmentSwap.replace(dir, segments, segs.get(2), segs.subList(0, 2), misplaced, retired::add)).isFalse();
    assertThat(SegmentSwap.replace(dir, segments, segs.get(2), List.of(), segment(0, LogSegment.CLEANED_SUFFIX), retired::add)).isFalse();
    assertThat(segments.values()).containsExactlyElementsOf(segs);
    assertThat(retired).isEmpty();
  }
}
