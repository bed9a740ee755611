package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's producer-state snapshots: taken at every roll with the state as of the new segment's
 * base, the newest few kept, removed above a truncation and below deleted segments, checked at open.
 */
class ProducerSnapshotsTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withFileDeleteDelayMs(0);
  SegmentedLog log;
  /** What the fake owner was asked for: the offsets of the rolls. */
  final List<Long> asked = new ArrayList<>();

  Path dir() {
    return tmp.resolve("snap-0");
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  /** The fake owner's state as of an offset: the offset itself, as text. */
  static ByteBuffer state(long offset) {
    return ByteBuffer.wrap(("state@" + offset).getBytes());
  }

  static String text(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return new String(a);
  }

  /** Segments of 10 one-record batches: rolls at 10, 20, ... up to {@code segments - 1} rolls. */
  SegmentedLog segments(int segments) throws IOException {
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    log.setProducerStateSnapshotter(offset -> {
      asked.add(offset);
      assertThat(offset).isEqualTo(log.logEndOffset()); // the state as of the log end, before the new batch
      return state(offset);
    });
    for (int s = 0; s < segments; s++) {
      if (s > 0) {
        log.roll();
      }
      for (int i = 0; i < 10; i++) {
        log.appendAsLeader(batch(1000, "v"), 0);
      }
    }
    log.updateHighWatermark(log.logEndOffset());
    log.awaitBackgroundFlushes(); // snapshots are written by the flusher after each roll's fsync
    return log;
  }

  @Test
  void everyRollSnapshotsTheStateAtTheNewBaseAndTheNewestFewAreKept() throws Exception {
    segments(6);
    assertThat(asked).containsExactly(10L, 20L, 30L, 40L, 50L);
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(30L, 40L, 50L);
    assertThat(text(log.readProducerStateSnapshot(50).orElseThrow())).isEqualTo("state@50");
    assertThat(Files.exists(dir().resolve(ProducerSnapshots.fileName(20)))).isFalse();
    // A roll inside an append (segment.bytes) takes one too.
    log.updateConfig(config.withSegmentBytes((int) log.activeSegment().sizeInBytes() + 1));
    log.appendAsLeader(batch(1000, "big", "batch"), 0);
    log.awaitBackgroundFlushes();
    assertThat(asked).last().isEqualTo(60L);
    assertThat(log.activeSegment().baseOffset()).isEqualTo(60L);
  }

  @Test
  void aNullStateSkipsTheSnapshotAndAFailingOwnerDoesNotFailTheAppend() throws Exception {
    segments(2);
    log.setProducerStateSnapshotter(offset -> null);
    log.roll();
    log.appendAsLeader(batch(1000, "v"), 0);
    log.setProducerStateSnapshotter(offset -> {
      throw new IllegalStateException("owner broken");
    });
    log.roll();
    assertThat(log.appendAsLeader(batch(1000, "v"), 0).firstOffset()).isEqualTo(21);
    log.awaitBackgroundFlushes();
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(10L);
  }

  @Test
  void truncationRemovesSnapshotsAboveTheNewEnd() throws Exception {
    segments(4);
    log.truncateTo(25);
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(10L, 20L);
    log.truncateTo(20); // a snapshot at exactly the new end still describes the log below it
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(10L, 20L);
    log.truncateFullyAndStartAt(100);
    assertThat(log.producerStateSnapshotOffsets()).isEmpty();
    assertThat(Files.exists(dir().resolve(ProducerSnapshots.fileName(10)))).isFalse();
  }

  @Test
  void deletedSegmentsTakeTheSnapshotsBelowThemAlong() throws Exception {
    segments(4);
    assertThat(log.deleteRecordsBefore(25)).isEqualTo(25);
    // The segment at 20 holds the new start: the snapshot at 20 can still be replayed from.
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(20L, 30L);
    log.updateConfig(config.withRetention(1, -1));
    clock.advance(10_000);
    log.applyRetention();
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(30L);
  }

  @Test
  void openKeepsOnlySnapshotsWithinTheRecoveredLogAndDropsTornWrites() throws Exception {
    segments(3);
    log.writeProducerStateSnapshot(log.logEndOffset(), state(log.logEndOffset())); // clean shutdown
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(10L, 20L, 30L);
    log.close();
    log = null;
    Files.write(dir().resolve(ProducerSnapshots.fileName(40) + ".tmp"), new byte[] {1, 2}); // torn write
    // A crash lost the last five batches: the snapshot at the old end describes batches gone.
    try (var ch = java.nio.channels.FileChannel.open(dir().resolve(LogSegment.fileName(20, LogSegment.LOG_SUFFIX)),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2 + 3);
    }
    log = SegmentedLog.open(dir(), config, clock, new LogLoadState(20, -1, -1, false));
    assertThat(log.logEndOffset()).isEqualTo(25);
    assertThat(log.producerStateSnapshotOffsets()).containsExactly(10L, 20L);
    try (var files = Files.list(dir())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp") || n.equals(ProducerSnapshots.fileName(30)));
    }
  }
}
