package dev.brook.storage.cleaner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogToCleanTest {
  // Four segments of 100 bytes at offsets 0, 10, 20, 30 (active), timestamps 1000, 2000, 3000, 4000.
  private final List<SegmentInfo> segments = List.of(
      new SegmentInfo(0, 100, 1000, 1), new SegmentInfo(10, 100, 2000, 1),
      new SegmentInfo(20, 100, 3000, 1), new SegmentInfo(30, 100, 4000, 1));

  @Test
  void neverCleanedLogIsAllDirtyUpToTheActiveSegment() {
    LogToClean l = LogToClean.of(segments, 0, Long.MAX_VALUE, -1, 0, 10_000);
    assertThat(l.firstDirtyOffset()).isZero();
    assertThat(l.firstUncleanableOffset()).isEqualTo(30);
    assertThat(l.cleanableBytes()).isEqualTo(300);
    assertThat(l.dirtyRatio()).isEqualTo(1.0);
    assertThat(l.isCleanable(0.5)).isTrue();
  }

  @Test
  void dirtyRatioCountsTheCleanPartBelowTheCheckpoint() {
    LogToClean l = LogToClean.of(segments, 0, Long.MAX_VALUE, 20, 0, 10_000);
    assertThat(l.cleanBytes()).isEqualTo(200);
    assertThat(l.cleanableBytes()).isEqualTo(100);
    assertThat(l.dirtyRatio()).isEqualTo(1.0 / 3);
    assertThat(l.isCleanable(0.5)).isFalse();
    assertThat(l.isCleanable(0.3)).isTrue();
  }

  @Test
  void highWatermarkAndCompactionLagStopTheDirtyPartAtASegmentBoundary() {
    assertThat(LogToClean.of(segments, 0, 15, -1, 0, 10_000).firstUncleanableOffset()).isEqualTo(10);
    // now - lag = 2500: the segment at 20 (largest 3000) is too young, and everything after it.
    LogToClean lag = LogToClean.of(segments, 0, Long.MAX_VALUE, -1, 7_500, 10_000);
    assertThat(lag.firstUncleanableOffset()).isEqualTo(20);
    assertThat(lag.cleanableBytes()).isEqualTo(200);
    // A lag covering everything leaves nothing cleanable.
    assertThat(LogToClean.of(segments, 0, Long.MAX_VALUE, -1, 100_000, 10_000).isCleanable(0)).isFalse();
  }

  @Test
  void checkpointOutsideTheLogRestartsAtTheLogStart() {
    assertThat(LogToClean.of(segments, 10, Long.MAX_VALUE, 5, 0, 0).firstDirtyOffset()).isEqualTo(10);
    assertThat(LogToClean.of(segments, 0, Long.MAX_VALUE, 99, 0, 0).firstDirtyOffset()).isZero();
  }

  @Test
  void onlyTheActiveSegmentIsNothingToClean() {
    LogToClean l = LogToClean.of(List.of(new SegmentInfo(0, 500, 1, 1)), 0, Long.MAX_VALUE, -1, 0, 0);
    assertThat(l.isCleanable(0)).isFalse();
  }

  @Test
  void groupsConsecutiveSegmentsWithinSizeAndIndexLimitsNeverTheActiveOne() {
    assertThat(LogToClean.groupBySize(segments, 30, 250, 100)).containsExactly(
        List.of(segments.get(0), segments.get(1)), List.of(segments.get(2)));
    assertThat(LogToClean.groupBySize(segments, 15, 1000, 100)).containsExactly(
        List.of(segments.get(0), segments.get(1)));
    assertThat(LogToClean.groupBySize(segments, 30, 1000, 1)).hasSize(3);
  }
}
