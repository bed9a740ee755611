package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
  @TempDir Path dir;

  @Test
  void lookupFindsLargestEntryAtOrBelowTarget() throws Exception {
    try (OffsetIndex idx = new OffsetIndex(dir.resolve("a.index"), 100, 80)) {
      assertThat(idx.lookup(150)).isZero();
      idx.append(110, 1000);
      idx.append(120, 2000);
      idx.append(130, 3000);
      assertThat(idx.lookup(100)).isZero();
      assertThat(idx.lookup(110)).isEqualTo(1000);
      assertThat(idx.lookup(125)).isEqualTo(2000);
      assertThat(idx.lookup(1_000_000)).isEqualTo(3000);
      assertThat(idx.lastOffset()).isEqualTo(130);
    }
  }

  @Test
  void isPreallocatedFullAndTrimmedOnClose() throws Exception {
    Path f = dir.resolve("b.index");
    OffsetIndex idx = new OffsetIndex(f, 0, 24);
    assertThat(Files.size(f)).isEqualTo(24);
    idx.append(1, 10);
    idx.append(2, 20);
    idx.append(3, 30);
    assertThat(idx.isFull()).isTrue();
    assertThatThrownBy(() -> idx.append(4, 40)).isInstanceOf(IllegalStateException.class);
    idx.close();
    assertThat(Files.size(f)).isEqualTo(24);
    OffsetIndex idx2 = new OffsetIndex(f, 0, 0);
    idx2.truncateTo(3);
    idx2.close();
    assertThat(Files.size(f)).isEqualTo(16);
    try (OffsetIndex again = new OffsetIndex(f, 0, 1024)) {
      assertThat(again.entries()).isEqualTo(2);
      assertThat(again.lookup(99)).isEqualTo(20);
    }
  }

  @Test
  void rejectsNonIncreasingOffsets() throws Exception {
    try (OffsetIndex idx = new OffsetIndex(dir.resolve("c.index"), 0, 80)) {
      idx.append(5, 10);
      assertThatThrownBy(() -> idx.append(5, 20)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void truncateToPositionDropsLaterEntries() throws Exception {
    try (OffsetIndex idx = new OffsetIndex(dir.resolve("d.index"), 0, 80)) {
      idx.append(5, 100);
      idx.append(9, 200);
      idx.append(12, 300);
      idx.truncateToPosition(200);
      assertThat(idx.entries()).isEqualTo(1);
      assertThat(idx.lookup(100)).isEqualTo(100);
    }
  }

  @Test
  void timeIndexKeepsIncreasingTimestampsOnly() throws Exception {
    try (TimeIndex idx = new TimeIndex(dir.resolve("e.timeindex"), 50, 120)) {
      idx.maybeAppend(1000, 50);
      idx.maybeAppend(900, 55);
      idx.maybeAppend(2000, 60);
      idx.maybeAppend(3000, 60);
      assertThat(idx.entries()).isEqualTo(2);
      assertThat(idx.lastTimestamp()).isEqualTo(3000);
      assertThat(idx.lookupBefore(1000)).isEqualTo(50);
      assertThat(idx.lookupBefore(1001)).isEqualTo(50);
      assertThat(idx.lookupBefore(5000)).isEqualTo(60);
      idx.truncateTo(60);
      assertThat(idx.lastTimestamp()).isEqualTo(1000);
    }
  }
}
