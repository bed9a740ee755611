package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static dev.brook.storage.Batches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {
  @TempDir Path logDir;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withFileDeleteDelayMs(0);

  @Test
  void createsGetsListsAndReopensLogs() throws Exception {
    LogId a = new LogId("my-topic", 0);
    LogId b = new LogId("my-topic", 1);
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(m.get(a)).isEmpty();
      PartitionLog la = m.getOrCreate(a, config);
      assertThat(m.getOrCreate(a, config)).isSameAs(la);
      m.getOrCreate(b, config).appendAsLeader(batch(1, "x"), 0);
      la.appendAsLeader(batch(1, "y", "z"), 3);
      la.updateHighWatermark(2);
      assertThat(m.all()).hasSize(2);
      assertThat(la.dir()).isEqualTo(logDir.resolve("my-topic-0"));
    }
    assertThat(logDir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER)).exists();
    assertThat(Files.readAllLines(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT))).contains("my-topic 0 2", "my-topic 1 1");
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(logDir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER)).doesNotExist();
      PartitionLog la = m.get(a).orElseThrow();
      assertThat(la.logEndOffset()).isEqualTo(2);
      assertThat(la.highWatermark()).isEqualTo(2);
      assertThat(readAll(la, 0)).containsExactly("0:y", "1:z");
      assertThat(la.leaderEpochs().latestEpoch()).hasValue(3);
      assertThat(m.get(b).orElseThrow().logEndOffset()).isEqualTo(1);
    }
  }

  @Test
  void checkpointsAreWrittenOnlyWhenTheirEntriesChange() throws Exception {
    Path rp = logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT);
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(rp).doesNotExist(); // an empty directory has nothing to record: no file, no fsync
      m.getOrCreate(new LogId("t", 0), config).appendAsLeader(batch(1, "x"), 0);
      m.checkpoint();
      Object written = fileKey(rp);
      m.checkpoint();
      assertThat(fileKey(rp)).isEqualTo(written); // a rewrite renames a new file over it
      m.getOrCreate(new LogId("t", 1), config);
      m.checkpoint();
      assertThat(fileKey(rp)).isNotEqualTo(written);
      assertThat(Files.readAllLines(rp)).contains("t 0 0", "t 1 0");
    }
    Object atClose = fileKey(rp);
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      m.checkpoint();
      assertThat(fileKey(rp)).isEqualTo(atClose); // what was read at open counts as written
    }
  }

  private static Object fileKey(Path p) throws java.io.IOException {
    return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  @Test
  void getOrCreateAppliesANewConfig() throws Exception {
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      LogId id = new LogId("t", 0);
      m.getOrCreate(id, config);
      PartitionLog l = m.getOrCreate(id, config.withSegmentBytes(4096));
      assertThat(l.config().segmentBytes()).isEqualTo(4096);
    }
  }

  @Test
  void deleteRemovesTheDirectoryAndTheLog() throws Exception {
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      LogId id = new LogId("gone", 3);
      m.getOrCreate(id, config).appendAsLeader(batch(1, "x"), 0);
      m.checkpoint();
      assertThat(Files.readAllLines(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT))).contains("gone 3 0");
      m.delete(id);
      assertThat(m.get(id)).isEmpty();
      try (var s = Files.list(logDir)) {
        assertThat(s.filter(Files::isDirectory).toList()).isEmpty();
      }
      assertThat(Files.readAllLines(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT))).containsExactly("0", "0");
    }
  }

  @Test
  void deleteWithDelayKeepsFilesUntilTheDelayPasses() throws Exception {
    LogConfig delayed = config.withFileDeleteDelayMs(60_000);
    try (LogManager m = LogManager.open(logDir, delayed, clock)) {
      LogId id = new LogId("later", 0);
      m.getOrCreate(id, delayed).appendAsLeader(batch(1, "x"), 0);
      m.delete(id);
      try (var s = Files.list(logDir)) {
        assertThat(s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList())
            .singleElement().asString().startsWith("later-0.").endsWith("-delete");
      }
      clock.advance(60_001);
      m.cleanupLogs();
      try (var s = Files.list(logDir)) {
        assertThat(s.filter(Files::isDirectory).toList()).isEmpty();
      }
    }
  }

  @Test
  void openRemovesLeftoverDeletedDirectoriesAndIgnoresStrangers() throws Exception {
    Files.createDirectories(logDir.resolve("old-0.abc-delete"));
    Files.writeString(logDir.resolve("old-0.abc-delete/00000000000000000000.log"), "junk");
    Files.createDirectories(logDir.resolve("lost+found"));
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(m.all()).isEmpty();
    }
    assertThat(logDir.resolve("old-0.abc-delete")).doesNotExist();
  }

  @Test
  void kafkasMetadataLogIsNeitherOpenedNorTouched() throws Exception {
    Path metadata = logDir.resolve(LogManager.KAFKA_METADATA_LOG_DIR);
    Files.createDirectories(metadata);
    // An untrimmed index and a torn tail: opening it as a log would rebuild and truncate them.
    Files.writeString(metadata.resolve("00000000000000000000.log"), "not batches");
    Files.write(metadata.resolve("00000000000000000000.index"), new byte[16]);
    Files.writeString(metadata.resolve("quorum-state"), "{}");
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      assertThat(m.all()).isEmpty();
      m.checkpoint();
    }
    assertThat(Files.readString(metadata.resolve("00000000000000000000.log"))).isEqualTo("not batches");
    assertThat(Files.size(metadata.resolve("00000000000000000000.index"))).isEqualTo(16);
    assertThat(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT)).doesNotExist(); // no log of it to record
  }

  @Test
  void backgroundDutiesRunRegisteredHooks() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (LogManager m = LogManager.open(logDir, config, clock)) {
      m.addBackgroundDuty("test-hook", 10, runs::incrementAndGet);
      m.startBackgroundDuties(10);
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 2);
    }
    int after = runs.get();
    assertThat(after).isGreaterThanOrEqualTo(2);
    assertThat(List.of(logDir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER))).allMatch(Files::exists);
  }

  @Test
  void retentionMovesTheLogStartAndCheckpointsIt() throws Exception {
    LogConfig retained = config.withRetention(1000, -1);
    LogId id = new LogId("ret", 0);
    try (LogManager m = LogManager.open(logDir, retained, clock)) {
      PartitionLog l = m.getOrCreate(id, retained);
      l.appendAsLeader(batch(clock.milliseconds(), "a"), 0);
      l.roll();
      l.appendAsLeader(batch(clock.milliseconds(), "b"), 0);
      l.updateHighWatermark(l.logEndOffset());
      assertThat(m.cleanupLogs()).isZero();
      clock.advance(1001);
      java.util.Map<LogId, Long> told = new java.util.HashMap<>();
      m.setLogStartListener(told::put);
      assertThat(m.cleanupLogs()).isEqualTo(1);
      assertThat(l.logStartOffset()).isEqualTo(1);
      assertThat(told).containsExactly(java.util.Map.entry(id, 1L));
      assertThat(Files.readAllLines(logDir.resolve(LogManager.LOG_START_CHECKPOINT))).contains("ret 0 1");
      assertThat(Files.readAllLines(logDir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT))).contains("ret 0 2");
    }
    try (LogManager m = LogManager.open(logDir, retained, clock)) {
      assertThat(m.get(id).orElseThrow().logStartOffset()).isEqualTo(1);
    }
  }

  @Test
  void flushDutyHonoursFlushMs() throws Exception {
    LogConfig flushed = config.withFlush(Long.MAX_VALUE, 500);
    try (LogManager m = LogManager.open(logDir, flushed, clock)) {
      SegmentedLog l = (SegmentedLog) m.getOrCreate(new LogId("f", 0), flushed);
      l.appendAsLeader(batch(1, "a"), 0);
      m.flushDueLogs();
      assertThat(l.recoveryPoint()).isZero();
      clock.advance(500);
      m.flushDueLogs();
      assertThat(l.recoveryPoint()).isEqualTo(1);
      m.checkpoint();
      assertThat(Files.readAllLines(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT))).contains("f 0 1");
    }
  }
}
