package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments renamed .deleted stay until file.delete.delay.ms has passed, or all go at close. */
class PendingDeletesTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock(1_000);
  final PendingDeletes pending = new PendingDeletes(clock);

  LogSegment deletedSegment(long base) throws IOException {
    LogSegment s = LogSegment.createActive(tmp, base, LogConfig.defaults());
    s.changeFileSuffix(LogSegment.DELETED_SUFFIX);
    return s;
  }

  boolean exists(long base) {
    return Files.exists(tmp.resolve(LogSegment.fileName(base, ".log") + LogSegment.DELETED_SUFFIX));
  }

  @Test
  void noDelayRemovesAtOnce() throws IOException {
    pending.add(deletedSegment(0), 0);
    assertThat(exists(0)).isFalse();
  }

  @Test
  void aDelayedSegmentStaysUntilItsDelayHasPassed() throws IOException {
    pending.add(deletedSegment(0), 100);
    clock.advance(50);
    pending.add(deletedSegment(10), 100);
    clock.advance(49);
    pending.deleteDue(false);
    assertThat(exists(0)).isTrue();
    clock.advance(1);
    pending.deleteDue(false);
    assertThat(exists(0)).isFalse();
    assertThat(exists(10)).isTrue();
    clock.advance(50);
    pending.deleteDue(false);
    assertThat(exists(10)).isFalse();
  }

  @Test
  void allRemovesEveryPendingSegmentWhateverItsDelay() throws IOException {
    pending.add(deletedSegment(0), 60_000);
    pending.add(deletedSegment(10), 60_000);
    pending.deleteDue(true);
    assertThat(exists(0)).isFalse();
    assertThat(exists(10)).isFalse();
  }
}
