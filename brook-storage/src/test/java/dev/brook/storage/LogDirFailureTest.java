package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.readAll;
import static dev.brook.storage.Batches.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.FaultyFiles.Op;
import dev.brook.storage.cleaner.CleanerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Injected I/O faults at each point where the log touches its files (append, roll, index write,
 * fsync, checkpoint): the directory goes offline (once, for all its logs), the caller gets the
 * error, nothing that was not written is acknowledged, the failed fsync is not retried, and the next
 * open recovers exactly the acknowledged records. Also: a roll's fsync runs off the append path.
 * The next segment's files are made by the flusher ahead of the roll, so a fault there takes the
 * directory offline from the flusher; a roll that comes first creates them itself.
 */
class LogDirFailureTest {
  @TempDir Path logDir;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withIndexIntervalBytes(100)
      .withSegmentIndexBytes(4096).withFileDeleteDelayMs(0);
  final LogId id = new LogId("orders", 0);
  final LogId other = new LogId("payments", 0);
  final LogDirFailureChannel failures = new LogDirFailureChannel();
  final List<Path> reported = new ArrayList<>();
  FaultyFiles faults;
  LogManager manager;
  /** What each successful append acknowledged, as "offset:value". */
  final List<String> acked = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    faults = new FaultyFiles();
    failures.addListener(reported::add);
    manager = LogManager.open(logDir, config, clock, CleanerConfig.defaults(), RecordCodec.builtIn(), failures);
  }

  @AfterEach
  void tearDown() throws Exception {
    faults.disarm();
    if (manager != null) {
      manager.close();
    }
    faults.close();
  }

  private PartitionLog log() throws Exception {
    return manager.getOrCreate(id, config);
  }

  private void appendAcked(PartitionLog log, String value) throws Exception {
    AppendResult r = log.appendAsLeader(batch(clock.milliseconds(), value + "-" + "x".repeat(200)), 0);
    acked.add(r.firstOffset() + ":" + value + "-" + "x".repeat(200));
  }

  /** Asserts the directory is offline and every log in it refuses work; reopens without faults. */
  private void assertOfflineThenRecovers(PartitionLog failedLog) throws Exception {
    assertThat(failures.isOffline(logDir)).isTrue();
    assertThat(reported).containsExactly(logDir.toAbsolutePath().normalize());
    assertThat(manager.isOffline()).isTrue();
    assertThatThrownBy(() -> failedLog.appendAsLeader(batch(1, "late"), 0)).isInstanceOf(LogDirOfflineException.class);
    assertThatThrownBy(() -> failedLog.read(0, 1 << 20, Long.MAX_VALUE, true)).isInstanceOf(LogDirOfflineException.class);
    assertThatThrownBy(() -> manager.getOrCreate(new LogId("new", 0), config)).isInstanceOf(LogDirOfflineException.class);
    manager.close();
    assertThat(logDir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER)).doesNotExist();
    faults.disarm();
    manager = LogManager.open(logDir, config, clock, CleanerConfig.defaults(), RecordCodec.builtIn(), new LogDirFailureChannel());
    PartitionLog reopened = manager.get(id).orElseThrow();
    assertThat(readAll(reopened, 0)).containsExactlyElementsOf(acked);
    assertThat(reopened.logEndOffset()).isEqualTo(acked.size());
    appendAcked(reopened, "after");
    assertThat(readAll(reopened, 0)).containsExactlyElementsOf(acked);
  }

  @Test
  void failedAppendTakesTheDirOfflineAndIsNeverVisible() throws Exception {
    PartitionLog log = log();
    PartitionLog second = manager.getOrCreate(other, config);
    appendAcked(log, "a");
    appendAcked(log, "b");
    faults.fail(Op.PARTIAL_WRITE, FaultyFiles.named(".log"));
    assertThatThrownBy(() -> log.appendAsLeader(batch(1, "torn"), 0)).isInstanceOf(LogDirOfflineException.class);
    assertThat(log.logEndOffset()).isEqualTo(2);
    assertThatThrownBy(() -> second.appendAsLeader(batch(1, "y"), 0)).isInstanceOf(LogDirOfflineException.class);
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedRollTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    appendAcked(log, "r0");
    // The flusher is held before it makes the next segment's files, so the roll creates them
    // itself, and the next segment's file cannot be created: the append that rolls fails.
    CountDownLatch release = new CountDownLatch(1);
    faults.slowOpen = FaultyFiles.named(LogSegment.PREPARED_SUFFIX);
    faults.onSlowOpen = () -> await(release);
    faults.fail(Op.OPEN, FaultyFiles.named(".log").and(FaultyFiles.named(LogSegment.fileName(0, ".log")).negate()));
    for (int i = 1; i < 20 && !failures.isOffline(logDir); i++) {
      try {
        appendAcked(log, "r" + i);
      } catch (LogDirOfflineException expected) {
        break;
      }
    }
    release.countDown();
    manager.awaitFlushes();
    assertThat(faults.faults.get()).isEqualTo(1);
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedPreparationOfTheNextSegmentTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    faults.fail(Op.OPEN, FaultyFiles.named(".log" + LogSegment.PREPARED_SUFFIX));
    for (int i = 0; i < 20 && !failures.isOffline(logDir); i++) {
      try {
        appendAcked(log, "n" + i);
      } catch (LogDirOfflineException expected) {
        break;
      }
      manager.awaitFlushes(); // the flusher makes the files once the segment is half full
    }
    assertThat(faults.faults.get()).isEqualTo(1);
    assertThat(log.segmentCount()).isEqualTo(1); // went offline before the roll
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedMappingOfAPreparedIndexTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    faults.fail(Op.MAP, FaultyFiles.named(".timeindex" + LogSegment.PREPARED_SUFFIX));
    for (int i = 0; i < 20 && !failures.isOffline(logDir); i++) {
      try {
        appendAcked(log, "m" + i);
      } catch (LogDirOfflineException expected) {
        break;
      }
      manager.awaitFlushes();
    }
    assertThat(faults.faults.get()).isEqualTo(1);
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedIndexWriteAtRollTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    appendAcked(log, "i0");
    // The rolled segment's index is trimmed by the flusher, before its fsync.
    faults.fail(Op.TRUNCATE, FaultyFiles.named(LogSegment.fileName(0, ".index")));
    for (int i = 1; i < 20 && !failures.isOffline(logDir); i++) {
      try {
        appendAcked(log, "i" + i);
      } catch (LogDirOfflineException expected) {
        break;
      }
      manager.awaitFlushes();
    }
    assertThat(faults.faults.get()).isEqualTo(1);
    assertThat(((SegmentedLog) log).recoveryPoint()).isZero(); // the failed trim stopped the fsync
    assertOfflineThenRecovers(log);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void failedFsyncIsNeverRetriedAndKeepsTheRecoveryPoint() throws Exception {
    PartitionLog log = log();
    appendAcked(log, "f0");
    appendAcked(log, "f1");
    long recoveryPointBefore = ((SegmentedLog) log).recoveryPoint();
    faults.fail(Op.FORCE, FaultyFiles.named(".log"));
    assertThatThrownBy(log::flush).isInstanceOf(LogDirOfflineException.class);
    assertThat(((SegmentedLog) log).recoveryPoint()).isEqualTo(recoveryPointBefore);
    manager.flushDueLogs();
    assertThatThrownBy(log::flush).isInstanceOf(LogDirOfflineException.class);
    assertThat(faults.faults.get()).isEqualTo(1); // the failed fsync was not tried again
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedBackgroundFsyncOfARolledSegmentTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    faults.fail(Op.FORCE, FaultyFiles.named(LogSegment.fileName(0, ".log")));
    for (int i = 0; i < 8; i++) {
      appendAcked(log, "g" + i); // rolls once: the flusher's fsync of segment 0 fails
    }
    manager.awaitFlushes();
    assertThat(faults.faults.get()).isEqualTo(1);
    assertThat(((SegmentedLog) log).recoveryPoint()).isZero();
    assertOfflineThenRecovers(log);
  }

  @Test
  void failedCheckpointTakesTheDirOffline() throws Exception {
    PartitionLog log = log();
    appendAcked(log, "c0");
    faults.fail(Op.WRITE, FaultyFiles.named(LogManager.RECOVERY_POINT_CHECKPOINT + CheckpointFile.TMP_SUFFIX));
    log.flush(); // the recovery point moved: the checkpoint must be rewritten
    assertThatThrownBy(manager::checkpoint).isInstanceOf(LogDirOfflineException.class);
    assertOfflineThenRecovers(log);
  }

  @Test
  void aRollsFsyncDoesNotHoldUpAppends() throws Exception {
    PartitionLog log = log();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch flushing = new CountDownLatch(1);
    Predicate<Path> first = FaultyFiles.named(LogSegment.fileName(0, ".log"));
    faults.slowForce = first;
    faults.onSlowForce = () -> {
      flushing.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    for (int i = 0; i < 8; i++) {
      appendAcked(log, "p" + i); // rolls: the flusher blocks in the fsync of segment 0
    }
    assertThat(flushing.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 8; i < 16; i++) {
      appendAcked(log, "p" + i); // appends go on while the rolled segment's fsync is stuck
    }
    assertThat(((SegmentedLog) log).recoveryPoint()).isZero(); // not flushed yet: not advanced
    release.countDown();
    manager.awaitFlushes();
    assertThat(((SegmentedLog) log).recoveryPoint()).isGreaterThan(0);
    assertThat(readAll(log, 0)).containsExactlyElementsOf(acked);
  }

  @Test
  void deletingALogWithFlushesQueuedIsNotADiskFailure() throws Exception {
    // With a delete delay the renamed log stays open, its queued snapshot write then finds no directory.
    PartitionLog log = manager.getOrCreate(id, config.withFileDeleteDelayMs(60_000));
    log.setProducerStateSnapshotter(offset -> java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch flushing = new CountDownLatch(1);
    faults.slowForce = FaultyFiles.named(LogSegment.fileName(0, ".log"));
    faults.onSlowForce = () -> {
      flushing.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    for (int i = 0; i < 8; i++) {
      appendAcked(log, "d" + i); // rolls: the flusher blocks in segment 0's fsync, the snapshot queued behind it
    }
    assertThat(flushing.await(10, TimeUnit.SECONDS)).isTrue();
    manager.delete(id); // renames the directory under the queued snapshot write
    release.countDown();
    manager.awaitFlushes();
    assertThat(failures.isOffline(logDir)).isFalse();
    assertThat(manager.isOffline()).isFalse();
    appendAcked(manager.getOrCreate(other, config), "still-online");
  }
}
