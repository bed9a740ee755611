package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.cleaner.CleanableLog;
import dev.brook.storage.cleaner.CleanerConfig;
import dev.brook.storage.cleaner.LogCleaner;
import dev.brook.storage.cleaner.Throttler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Compaction on the real log: LogManager, SegmentedLog, the swap protocol and its recovery. */
class LogCompactionTest {
  static final LogId ID = new LogId("compacted", 0);

  @TempDir Path dir;
  @TempDir Path cleanerDir;
  final MutableClock clock = new MutableClock();
  LogManager manager;
  int serial;

  static final class MutableClock implements Clock {
    volatile long ms = 1_700_000_000_000L;

    @Override
    public long milliseconds() {
      return ms;
    }

    @Override
    public long nanoseconds() {
      return ms * 1_000_000;
    }
  }

  static LogConfig compacted() {
    return LogConfig.defaults()
        .withCleanupPolicy(true, false)
        .withCompaction(60_000, 0.5, 0)
        .withSegmentBytes(4096)
        .withIndexIntervalBytes(256)
        .withSegmentIndexBytes(4096)
        .withFileDeleteDelayMs(0);
  }

  static CleanerConfig cleanerConfig() {
    return CleanerConfig.defaults().withDedupeBufferSize(1 << 20).withBackoffMs(20);
  }

  LogManager open() throws IOException {
    manager = LogManager.open(dir, compacted(), clock, cleanerConfig(), RecordCodec.builtIn());
    return manager;
  }

  @AfterEach
  void close() throws IOException {
    if (manager != null) {
      manager.close();
    }
  }

  ByteBuffer batch(Compression compression, int keys, int records) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(8192), RecordBatch.MAGIC_VALUE_V2, compression,
        TimestampType.CREATE_TIME, 0L);
    for (int i = 0; i < records; i++) {
      int n = serial++;
      b.append(new SimpleRecord(clock.milliseconds(), bytes("key-" + (n % keys)), bytes("value-" + n)));
    }
    return b.build().buffer();
  }

  ByteBuffer tombstone(String key) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2,
        Compression.NONE, TimestampType.CREATE_TIME, 0L);
    b.append(new SimpleRecord(clock.milliseconds(), bytes(key), null));
    return b.build().buffer();
  }

  /** Fills several segments with {@code batches} batches of 5 records over {@code keys} keys. */
  PartitionLog fill(Compression compression, int keys, int batches) throws IOException {
    PartitionLog log = manager.getOrCreate(ID, compacted());
    for (int i = 0; i < batches; i++) {
      log.appendAsLeader(batch(compression, keys, 5), 0);
    }
    log.roll();
    log.appendAsLeader(batch(compression, keys, 5), 0); // something in the active segment
    log.updateHighWatermark(log.logEndOffset());
    return log;
  }

  static List<String> records(PartitionLog log) throws IOException {
    List<String> out = new ArrayList<>();
    log.scanBatches(log.logStartOffset(), buf -> {
      ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
      copy.put(buf.duplicate()).flip();
      for (RecordBatch b : MemoryRecords.readableRecords(copy).batches()) {
        b.ensureValid();
        for (Record r : b) {
          out.add(r.offset() + ":" + str(r.key()) + "=" + str(r.value()));
        }
      }
    });
    return out;
  }

  /** Below {@code end}, a record stays iff no later record below end has its key. */
  static List<String> compacted(List<String> records, long end) {
    Map<String, Long> latest = new HashMap<>();
    for (String r : records) {
      if (offset(r) < end) {
        latest.put(key(r), offset(r));
      }
    }
    List<String> out = new ArrayList<>();
    for (String r : records) {
      if (offset(r) >= end || latest.get(key(r)) == offset(r)) {
        out.add(r);
      }
    }
    return out;
  }

  @Test
  void compactionKeepsTheNewestPerKeyWithOffsetsAndSurvivesReopen() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 7, 60);
    int segmentsBefore = log.segmentCount();
    long sizeBefore = log.sizeInBytes();
    assertThat(segmentsBefore).isGreaterThan(3);
    List<String> before = records(log);
    long activeBase = ((SegmentedLog) log).activeSegment().baseOffset();

    LogCleaner.Result r = manager.cleaner().cleanOnce();

    assertThat(r.endOffset()).isEqualTo(activeBase);
    List<String> after = records(log);
    assertThat(after).isEqualTo(compacted(before, activeBase));
    assertThat(log.sizeInBytes()).isLessThan(sizeBefore);
    assertThat(log.logEndOffset()).isEqualTo(offset(before.get(before.size() - 1)) + 1);

    manager.close();
    open();
    assertThat(records(manager.get(ID).orElseThrow())).isEqualTo(after);
    assertThat(Files.readString(dir.resolve("cleaner-offset-checkpoint"))).contains("compacted 0 " + activeBase);
  }

  @Test
  void maxCompactionLagCleansALogBelowItsDirtyRatioOnceItsOldestDirtyBatchIsThatOld() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 1000, 60); // 300 distinct keys: compaction keeps them all
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    log.updateConfig(compacted().withMaxCompactionLagMs(10_000));
    log.appendAsLeader(batch(Compression.NONE, 3, 5), 0); // a little dirt, far below the ratio 0.5
    log.roll();
    log.appendAsLeader(batch(Compression.NONE, 3, 5), 0);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(manager.cleaner().cleanOnce()).isNull(); // young and small: not yet
    clock.ms += 10_001;
    LogCleaner.Result r = manager.cleaner().cleanOnce();
    assertThat(r).isNotNull();
    assertThat(r.endOffset()).isEqualTo(((SegmentedLog) log).activeSegment().baseOffset());
    log.updateConfig(compacted());
    clock.ms += 10_001;
    log.appendAsLeader(batch(Compression.NONE, 3, 5), 0);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    clock.ms += 10_001;
    assertThat(manager.cleaner().cleanOnce()).isNull(); // without the bound, the ratio decides
  }

  @Test
  void aLogOpenedAtStartupIsNotCleanedUntilTheBrokerGivesItsConfig() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 3, 30);
    List<String> before = records(log);
    manager.close();
    // The defaults say compact; the topic's own config (not yet applied) might say delete.
    manager = LogManager.open(dir, compacted(), clock, cleanerConfig(), RecordCodec.builtIn());
    assertThat(manager.cleaner().cleanOnce()).isNull();
    assertThat(records(manager.get(ID).orElseThrow())).isEqualTo(before);
    manager.getOrCreate(ID, compacted());
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
  }

  @Test
  void aLogWhoseProducersAreNotKnownYetIsNotCleaned() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 3, 30);
    List<String> before = records(log);
    java.util.concurrent.atomic.AtomicBoolean known = new java.util.concurrent.atomic.AtomicBoolean();
    manager.setActiveProducers(id -> known.get() ? Map.of() : null);
    assertThat(manager.cleaner().cleanOnce()).isNull();
    assertThat(records(log)).isEqualTo(before);
    known.set(true);
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(records(log).size()).isLessThan(before.size());
  }

  @Test
  void readOfACompactedAwayOffsetReturnsTheNextSurvivingBatch() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 3, 30);
    List<String> before = records(log);
    manager.cleaner().cleanOnce();
    List<String> after = records(log);
    for (String gone : before) {
      if (after.contains(gone)) {
        continue;
      }
      long offset = offset(gone);
      long next = after.stream().mapToLong(LogCompactionTest::offset).filter(o -> o > offset).min().orElseThrow();
      LogReadResult read = log.read(offset, 1 << 20, log.logEndOffset(), true);
      assertThat(read.outOfRange()).isFalse();
      ByteBuffer bytes = ByteBuffer.allocate(read.records().length());
      read.records().channel().read(bytes, read.records().position());
      bytes.flip();
      RecordBatch first = MemoryRecords.readableRecords(bytes).batches().iterator().next();
      // The first batch returned holds the next surviving record (maybe with a gap before it).
      List<Long> offsets = new ArrayList<>();
      first.forEach(rec -> offsets.add(rec.offset()));
      assertThat(first.lastOffset()).isGreaterThanOrEqualTo(offset);
      assertThat(offsets).contains(next);
    }
  }

  @Test
  void tombstonesGoAfterDeleteRetentionOnTheClock() throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    log.appendAsLeader(batch(Compression.NONE, 2, 10), 0);
    log.appendAsLeader(tombstone("key-0"), 0);
    log.roll();
    log.appendAsLeader(batch(Compression.NONE, 2, 1), 0);
    log.updateHighWatermark(log.logEndOffset());
    manager.cleaner().cleanOnce();
    assertThat(records(log)).containsExactly("9:key-1=value-9", "10:key-0=null", "11:key-0=value-10");

    clock.ms += 59_999;
    assertThat(manager.cleaner().cleanOnce()).isNull();
    clock.ms += 1;
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(records(log)).containsExactly("9:key-1=value-9", "11:key-0=value-10");
  }

  @Test
  void activeProducersLastBatchSurvivesAsAnEmptyBatch() throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2,
        Compression.NONE, TimestampType.CREATE_TIME, 0L, clock.milliseconds(), 42L, (short) 1, 7);
    b.append(new SimpleRecord(clock.milliseconds(), bytes("key-0"), bytes("old")));
    log.appendAsLeader(b.build().buffer(), 0); // offset 0, producer 42
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0); // offset 1, key-0 again
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    manager.setActiveProducers(id -> id.equals(ID) ? Map.of(42L, 0L) : Map.of());
    manager.cleaner().cleanOnce();
    List<RecordBatch> batches = new ArrayList<>();
    log.scanBatches(0, buf -> {
      ByteBuffer copy = ByteBuffer.allocate(buf.remaining()).put(buf.duplicate()).flip();
      MemoryRecords.readableRecords(copy).batches().forEach(batches::add);
    });
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).producerId()).isEqualTo(42L);
    assertThat(batches.get(0).countOrNull()).isZero();
    assertThat(batches.get(0).lastSequence()).isEqualTo(7);
    assertThat(records(log)).containsExactly("1:key-0=value-0");
  }

  ByteBuffer txnBatch(long producerId, int seq, String key, String value) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2,
        Compression.NONE, TimestampType.CREATE_TIME, 0L, clock.milliseconds(), producerId, (short) 0, seq, true,
        RecordBatch.NO_PARTITION_LEADER_EPOCH);
    b.append(new SimpleRecord(clock.milliseconds(), bytes(key), bytes(value)));
    return b.build().buffer();
  }

  @Test
  void abortedTransactionalRecordsAreDroppedAndNeverShadowCommittedValues() throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0); // 0: key-0=value-0 (plain)
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0); // 1: key-0=value-1 (plain)
    log.appendAsLeader(txnBatch(7, 0, "key-0", "aborted"), 0); // 2: producer 7, aborted below
    log.appendAsLeader(txnBatch(8, 0, "key-1", "open"), 0); // 3: producer 8, still open
    log.roll();
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0);
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0);
    log.updateHighWatermark(log.logEndOffset());
    // Producer 7's transaction [2, 2] aborted (marker assumed at 5); producer 8's is open from 3.
    TxnIndex.AbortedTxn aborted = new TxnIndex.AbortedTxn(7, 2, 5, 3);
    assertThat(log.appendAbortedTransaction(aborted)).isTrue();
    assertThat(log.appendAbortedTransaction(aborted)).isFalse(); // a replay indexes nothing twice
    assertThat(log.collectAbortedTransactions(0, 3)).containsExactly(aborted);
    manager.setTransactions(id -> () -> 3);
    // The only closed segment holds the LSO (3): nothing is cleaned.
    List<String> before = records(log);
    manager.cleaner().cleanOnce();
    assertThat(records(log)).isEqualTo(before).contains("0:key-0=value-0", "2:key-0=aborted");
    manager.setTransactions(id -> () -> Long.MAX_VALUE);
    manager.cleaner().cleanOnce();
    // The aborted record is dropped and does not shadow the committed value-1.
    assertThat(records(log)).startsWith("1:key-0=value-1", "3:key-1=open");
  }

  ByteBuffer marker(long producerId, ControlRecordType type) {
    return MemoryRecords.withEndTransactionMarker(0L, clock.milliseconds(), 0, producerId, (short) 0,
        new EndTransactionMarker(type, 0)).buffer();
  }

  /** "pid:TYPE" of every transaction marker in the log, and whether it carries a delete horizon. */
  static List<String> markers(PartitionLog log) throws IOException {
    List<String> out = new ArrayList<>();
    log.scanBatches(log.logStartOffset(), buf -> {
      if (RecordBatchHeader.isControl(buf, buf.position())) {
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
        copy.put(buf.duplicate()).flip();
        for (RecordBatch b : MemoryRecords.readableRecords(copy).batches()) {
          b.ensureValid();
          for (Record r : b) {
            out.add(b.producerId() + ":" + ControlRecordType.parse(r.key()) + (b.deleteHorizonMs().isPresent() ? "+horizon" : ""));
          }
        }
      }
    });
    return out;
  }

  /**
   * KIP-534 for markers: a marker whose transaction has no data left is stamped with a delete
   * horizon by the first cleaning that sees it so, and removed (with its index entry) by a cleaning
   * after the horizon; a marker whose transaction still has data stays.
   */
  @Test
  void markersGoOnlyAfterTheirTransactionsDataAndTheDeleteHorizon() throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    long abortedFirst = log.appendAsLeader(txnBatch(7, 0, "key-0", "aborted"), 0).firstOffset(); // 0
    long abortMarker = log.appendAsLeader(marker(7, ControlRecordType.ABORT), 0).firstOffset(); // 1
    TxnIndex.AbortedTxn aborted = new TxnIndex.AbortedTxn(7, abortedFirst, abortMarker, abortMarker + 1);
    log.appendAbortedTransaction(aborted);
    log.appendAsLeader(txnBatch(8, 0, "key-1", "committed-then-overwritten"), 0); // 2
    log.appendAsLeader(marker(8, ControlRecordType.COMMIT), 0); // 3
    log.appendAsLeader(txnBatch(9, 0, "key-2", "committed-and-latest"), 0); // 4
    log.appendAsLeader(marker(9, ControlRecordType.COMMIT), 0); // 5
    log.appendAsLeader(batch(Compression.NONE, 2, 2), 0); // 6, 7: key-0, key-1 overwrite
    log.roll();
    log.appendAsLeader(batch(Compression.NONE, 2, 1), 0);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(markers(log)).containsExactly("7:ABORT", "8:COMMIT", "9:COMMIT");

    // 1st cleaning: the aborted data goes now (so its marker stays this time); producer 8's data
    // is overwritten: its marker gets a horizon; producer 9's data is the latest: its marker stays.
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(markers(log)).containsExactly("7:ABORT", "8:COMMIT+horizon", "9:COMMIT");
    assertThat(records(log)).noneMatch(r -> r.contains("=aborted") || r.contains("committed-then-overwritten"));
    assertThat(log.collectAbortedTransactions(0, Long.MAX_VALUE)).containsExactly(aborted);
    // Nothing is due before the horizon.
    clock.ms += 59_000;
    assertThat(manager.cleaner().cleanOnce()).isNull();
    // At the horizon: producer 8's marker goes; producer 7's, now without data, gets its horizon.
    clock.ms += 1_000;
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(markers(log)).containsExactly("7:ABORT+horizon", "9:COMMIT");
    assertThat(log.collectAbortedTransactions(0, Long.MAX_VALUE)).containsExactly(aborted);
    clock.ms += 60_000;
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(markers(log)).containsExactly("9:COMMIT");
    assertThat(log.collectAbortedTransactions(0, Long.MAX_VALUE)).isEmpty();
    assertThat(records(log)).contains("4:key-2=committed-and-latest");
  }

  @Test
  void markersAboveTheLastStableOffsetAreNeverCleaned() throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    log.appendAsLeader(batch(Compression.NONE, 1, 1), 0); // 0
    log.appendAsLeader(txnBatch(8, 0, "key-1", "overwritten"), 0); // 1
    log.appendAsLeader(marker(8, ControlRecordType.COMMIT), 0); // 2
    log.appendAsLeader(batch(Compression.NONE, 2, 2), 0); // 3, 4
    log.roll();
    log.appendAsLeader(batch(Compression.NONE, 2, 1), 0);
    log.updateHighWatermark(log.logEndOffset());
    manager.setTransactions(id -> () -> 1); // a transaction still open from offset 1
    manager.cleaner().cleanOnce();
    clock.ms += 120_000;
    manager.cleaner().cleanOnce();
    assertThat(markers(log)).containsExactly("8:COMMIT");
  }

  @Test
  void gzipBatchesAreCleanedAndStayGzip() throws Exception {
    open();
    PartitionLog log = fill(Compression.gzip().build(), 4, 40);
    List<String> before = records(log);
    long activeBase = ((SegmentedLog) log).activeSegment().baseOffset();
    manager.cleaner().cleanOnce();
    assertThat(records(log)).isEqualTo(compacted(before, activeBase));
    log.scanBatches(0, buf -> assertThat(RecordBatchHeader.compressionType(buf, 0)).isEqualTo(RecordCodec.GZIP));
  }

  @Test
  void dirtyRatioBelowTheMinimumLeavesTheLogAlone() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 50, 40);
    manager.cleaner().cleanOnce();
    log.appendAsLeader(batch(Compression.NONE, 50, 1), 0);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(manager.cleaner().cleanOnce()).isNull();
    log.updateConfig(compacted().withCompaction(60_000, 0.0, 0));
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
  }

  @Test
  void backgroundThreadsCompactOnceStarted() throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 5, 40);
    long activeBase = ((SegmentedLog) log).activeSegment().baseOffset();
    List<String> before = records(log);
    manager.startBackgroundDuties(60_000);
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> manager.cleaner().checkpoints().getOrDefault(ID, -1L) == activeBase);
    assertThat(records(log)).isEqualTo(compacted(before, activeBase));
  }

  /**
   * The swap protocol interrupted at each step (the files left exactly as a crash would leave
   * them), then the log dir reopened: before the commit point (the {@code .log.swap} rename) the
   * old segments are intact, after it the cleaned segment wins; never a lost or duplicated record.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void crashAtAnyPointOfTheSwapLosesNothing(int crashAfterStep) throws Exception {
    open();
    PartitionLog log = fill(Compression.NONE, 6, 40);
    List<String> before = records(log);
    long activeBase = ((SegmentedLog) log).activeSegment().baseOffset();
    manager.close();
    manager = null;

    // Run a cleaning whose swap stops after the given step, then abandon the log dir (no close).
    LogManager crashed = LogManager.open(dir, compacted(), clock, cleanerConfig(), RecordCodec.builtIn());
    SegmentedLog live = (SegmentedLog) crashed.get(ID).orElseThrow();
    CrashingLog crashing = new CrashingLog(new CleanableSegmentedLog(live, clock), live.dir(), crashAfterStep);
    LogCleaner cleaner = new LogCleaner(cleanerConfig(), cleanerDir, () -> List.of(crashing),
        RecordCodec.builtIn(), clock, Throttler.unlimited(clock));
    cleaner.cleanOnce();
    assertThat(crashing.crashed).isTrue();

    open();
    List<String> recovered = records(manager.get(ID).orElseThrow());
    // Only the first group was being swapped: below its end, what compaction keeps; above, all.
    List<String> compactedAll = compacted(before, activeBase);
    List<String> expected = crashAfterStep == 0 ? before
        : before.stream().filter(r -> offset(r) >= crashing.groupEnd || compactedAll.contains(r)).toList();
    assertThat(crashing.groupEnd).isLessThan(activeBase);
    assertThat(recovered).isEqualTo(expected);
    try (var files = Files.list(dir.resolve(ID.dirName()))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".deleted"));
    }
    // And the log is fully usable: append, compact again, reopen.
    PartitionLog reopened = manager.get(ID).orElseThrow();
    reopened.updateConfig(compacted());
    reopened.appendAsLeader(batch(Compression.NONE, 6, 5), 0);
    reopened.updateHighWatermark(reopened.logEndOffset());
    assertThat(records(reopened)).containsAll(expected);
  }

  /**
   * A log whose swap "crashes" after step n of SegmentedLog#replaceSegments' protocol: 0 cleaned
   * files written and forced; 1 the cleaned .log renamed .swap; 2 its indexes too; 3 the first old
   * segment renamed .deleted; 4 all old segments .deleted; 5 the swap .log renamed to its final name;
   * 6 the swap indexes too. The files are left as they are; nothing is deleted.
   */
  static final class CrashingLog implements CleanableLog {
    final CleanableSegmentedLog real;
    final Path segDir;
    final int steps;
    boolean crashed;
    long groupEnd;

    CrashingLog(CleanableSegmentedLog real, Path segDir, int steps) {
      this.real = real;
      this.segDir = segDir;
      this.steps = steps;
    }

    @Override
    public LogId id() {
      return real.id();
    }

    @Override
    public LogConfig config() {
      return real.config();
    }

    @Override
    public long logStartOffset() {
      return real.logStartOffset();
    }

    @Override
    public long highWatermark() {
      return real.highWatermark();
    }

    @Override
    public List<? extends Segment> segments() {
      return real.segments();
    }

    @Override
    public List<TxnIndex.AbortedTxn> abortedTransactions(long from, long to) {
      return real.abortedTransactions(from, to);
    }

    @Override
    public CleanedSegment startCleanedSegment(long baseOffset) throws IOException {
      CleanedSegment inner = real.startCleanedSegment(baseOffset);
      return new CleanedSegment() {
        @Override
        public void append(ByteBuffer batch) throws IOException {
          inner.append(batch);
        }

        @Override
        public void indexAbortedTransaction(TxnIndex.AbortedTxn txn) throws IOException {
          inner.indexAbortedTransaction(txn);
        }

        @Override
        public long sizeInBytes() {
          return inner.sizeInBytes();
        }

        @Override
        public void abort() {
          if (!crashed) {
            inner.abort();
          }
        }
      };
    }

    @Override
    public boolean replaceSegments(CleanedSegment cleaned, List<? extends Segment> old, long lastModified)
        throws IOException {
      crashed = true;
      long last = old.get(old.size() - 1).info().baseOffset();
      groupEnd = real.segments().stream().mapToLong(s -> s.info().baseOffset()).filter(b -> b > last).min().orElseThrow();
      long base = old.get(0).info().baseOffset();
      List<Long> oldBases = old.stream().map(s -> s.info().baseOffset()).toList();
      String[] kinds = {LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX,
          LogSegment.TXN_INDEX_SUFFIX};
      forceAll(segDir, LogSegment.CLEANED_SUFFIX, base);
      crashIf(0);
      // The transaction index goes .swap before the log (the commit point), as LogSegment does.
      move(segDir, base, kinds[3], LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
      move(segDir, base, kinds[0], LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
      crashIf(1);
      move(segDir, base, kinds[1], LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
      move(segDir, base, kinds[2], LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
      crashIf(2);
      for (int i = 0; i < oldBases.size(); i++) {
        for (String k : kinds) {
          move(segDir, oldBases.get(i), k, "", LogSegment.DELETED_SUFFIX);
        }
        if (i == 0) {
          crashIf(3);
        }
      }
      crashIf(4);
      move(segDir, base, kinds[0], LogSegment.SWAP_SUFFIX, "");
      crashIf(5);
      move(segDir, base, kinds[1], LogSegment.SWAP_SUFFIX, "");
      move(segDir, base, kinds[2], LogSegment.SWAP_SUFFIX, "");
      crashIf(6);
      move(segDir, base, kinds[3], LogSegment.SWAP_SUFFIX, "");
      crashIf(7);
      throw new AssertionError("unreachable");
    }

    private void crashIf(int step) throws IOException {
      if (step == steps) {
        throw new IOException("simulated crash after step " + step);
      }
    }

    private static void move(Path segDir, long base, String kind, String from, String to) throws IOException {
      Path src = segDir.resolve(LogSegment.fileName(base, kind) + from);
      if (Files.exists(src)) {
        Files.move(src, segDir.resolve(LogSegment.fileName(base, kind) + to), StandardCopyOption.ATOMIC_MOVE);
      }
    }

    private static void forceAll(Path segDir, String suffix, long base) throws IOException {
      for (String kind : new String[] {LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX,
          LogSegment.TXN_INDEX_SUFFIX}) {
        Path p = segDir.resolve(LogSegment.fileName(base, kind) + suffix);
        if (Files.exists(p)) {
          try (FileChannel ch = FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
    }
  }

  /**
   * As {@link #crashAtAnyPointOfTheSwapLosesNothing} for the transaction indexes: each segment holds
   * an ABORT marker indexed in its {@code .txnindex}; whatever step the swap stopped after, the
   * reopened log indexes exactly the same aborted transactions.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void crashAtAnyPointOfTheSwapKeepsTheTransactionIndexes(int crashAfterStep) throws Exception {
    open();
    PartitionLog log = manager.getOrCreate(ID, compacted());
    List<TxnIndex.AbortedTxn> aborted = new ArrayList<>();
    for (int seg = 0; seg < 4; seg++) {
      for (int i = 0; i < 3; i++) {
        log.appendAsLeader(batch(Compression.NONE, 2, 5), 0); // superseded: compaction drops most
      }
      long pid = 100 + seg;
      long first = log.appendAsLeader(txnBatch(pid, 0, "txn-" + seg, "aborted"), 0).firstOffset();
      long marker = log.appendAsLeader(MemoryRecords.withEndTransactionMarker(0L, clock.milliseconds(), 0, pid, (short) 0,
          new EndTransactionMarker(ControlRecordType.ABORT, 0)).buffer(), 0).firstOffset();
      TxnIndex.AbortedTxn a = new TxnIndex.AbortedTxn(pid, first, marker, marker + 1);
      assertThat(log.appendAbortedTransaction(a)).isTrue();
      aborted.add(a);
      log.roll();
    }
    log.appendAsLeader(batch(Compression.NONE, 2, 5), 0);
    log.updateHighWatermark(log.logEndOffset());
    manager.close();
    manager = null;

    LogManager crashed = LogManager.open(dir, compacted(), clock, cleanerConfig(), RecordCodec.builtIn());
    SegmentedLog live = (SegmentedLog) crashed.get(ID).orElseThrow();
    CrashingLog crashing = new CrashingLog(new CleanableSegmentedLog(live, clock), live.dir(), crashAfterStep);
    LogCleaner cleaner = new LogCleaner(cleanerConfig(), cleanerDir, () -> List.of(crashing),
        RecordCodec.builtIn(), clock, Throttler.unlimited(clock));
    cleaner.cleanOnce();
    assertThat(crashing.crashed).isTrue();

    open();
    PartitionLog reopened = manager.get(ID).orElseThrow();
    assertThat(reopened.collectAbortedTransactions(0, Long.MAX_VALUE)).isEqualTo(aborted);
    assertThat(reopened.collectAbortedTransactions(aborted.get(1).lastOffset(), aborted.get(2).lastOffset()))
        .containsExactly(aborted.get(1), aborted.get(2));
    try (var files = Files.list(dir.resolve(ID.dirName()))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".deleted"));
    }
    // A clean cleaning afterwards carries the indexes too.
    manager.getOrCreate(ID, compacted());
    assertThat(manager.cleaner().cleanOnce()).isNotNull();
    assertThat(reopened.collectAbortedTransactions(0, Long.MAX_VALUE)).isEqualTo(aborted);
    assertThat(records(reopened)).noneMatch(r -> r.contains("=aborted"));
  }

  static long offset(String r) {
    return Long.parseLong(r.substring(0, r.indexOf(':')));
  }

  static String key(String r) {
    return r.substring(r.indexOf(':') + 1, r.indexOf('='));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(ByteBuffer b) {
    if (b == null) {
      return "null";
    }
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return new String(a, StandardCharsets.UTF_8);
  }
}
