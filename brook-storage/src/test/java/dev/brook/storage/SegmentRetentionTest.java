package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention's decision over a segment list: by log start, by time, by size; never the last segment. */
class SegmentRetentionTest {
  @TempDir Path tmp;
  final LogConfig config = LogConfig.defaults();
  final List<LogSegment> segments = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (LogSegment s : segments) {
      s.close();
    }
  }

  /** Segments of 10 records each at 0, 10, 20, ... whose records carry the given timestamps. */
  List<LogSegment> tenRecordSegments(long... timestamps) throws IOException {
    for (int i = 0; i < timestamps.length; i++) {
      long base = i * 10L;
      LogSegment s = LogSegment.createActive(tmp, base, config);
      ByteBuffer batch = Batches.sized(timestamps[i], 10, 20);
      RecordBatchHeader.setBaseOffset(batch, 0, base);
      s.append(batch, 0);
      segments.add(s);
    }
    return segments;
  }


  @Test
  void belowTheLogStartGoWholeSegmentsOnly() throws IOException {
    List<LogSegment> segs = tenRecordSegments(1, 1, 1, 1);
    assertThat(SegmentRetention.belowLogStart(segs, 0)).isZero();
    assertThat(SegmentRetention.belowLogStart(segs, 9)).isZero();
    assertThat(SegmentRetention.belowLogStart(segs, 10)).isEqualTo(1);
    assertThat(SegmentRetention.belowLogStart(segs, 25)).isEqualTo(2);
  }

  @Test
  void theLastSegmentNeverGoes() throws IOException {
    List<LogSegment> segs = tenRecordSegments(100, 200, 300, 400);
    assertThat(SegmentRetention.belowLogStart(segs, 40)).isEqualTo(3);
    assertThat(SegmentRetention.expired(segs, 40, Long.MAX_VALUE, LogSegment::maxTimestamp)).isEqualTo(3);
    assertThat(SegmentRetention.overSize(segs, 40, Long.MAX_VALUE)).isEqualTo(3);
    assertThat(SegmentRetention.belowLogStart(segs.subList(0, 1), 40)).isZero();
    assertThat(SegmentRetention.expired(List.of(), 40, Long.MAX_VALUE, LogSegment::maxTimestamp)).isZero();
  }

  @Test
  void byTimeTheOldestBeforeTheCutoffGoUpToTheFirstKept() throws IOException {
    List<LogSegment> segs = tenRecordSegments(100, 200, 300, 400);
    assertThat(SegmentRetention.expired(segs, 40, 100, LogSegment::maxTimestamp)).isZero();
    assertThat(SegmentRetention.expired(segs, 40, 250, LogSegment::maxTimestamp)).isEqualTo(2);
  }

  @Test
  void byTimeAnOlderSegmentKeptStopsTheDeletionAtIt() throws IOException {
    List<LogSegment> segs = tenRecordSegments(100, 500, 100, 400);
    assertThat(SegmentRetention.expired(segs, 40, 250, LogSegment::maxTimestamp)).isEqualTo(1);
  }

  @Test
  void byTimeNothingAtOrAboveTheHighWatermarkGoesAndItsTimeIsNotAsked() throws IOException {
    List<LogSegment> segs = tenRecordSegments(100, 200, 300, 400);
    List<Long> asked = new ArrayList<>();
    int n = SegmentRetention.expired(segs, 15, 1_000, seg -> {
      asked.add(seg.baseOffset());
      return seg.maxTimestamp();
    });
    assertThat(n).isEqualTo(1); // the second segment ends at 20 > 15
    assertThat(asked).containsExactly(0L);
  }

  @Test
  void bySizeSegmentsGoWhileTheExcessCoversThemWhole() throws IOException {
    List<LogSegment> segs = tenRecordSegments(1, 1, 1, 1);
    long size = segs.get(0).sizeInBytes();
    assertThat(size).isPositive();
    assertThat(SegmentRetention.overSize(segs, 40, -1)).isZero();
    assertThat(SegmentRetention.overSize(segs, 40, size - 1)).isZero();
    assertThat(SegmentRetention.overSize(segs, 40, size)).isEqualTo(1);
    assertThat(SegmentRetention.overSize(segs, 40, 2 * size + size / 2)).isEqualTo(2);
    assertThat(SegmentRetention.overSize(segs, 20, 3 * size)).isEqualTo(2); // the third ends at 30 > 20
  }
}
