package dev.brook.storage.cleaner;

import static dev.brook.storage.cleaner.TestBatches.KV;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.LogConfig;
import dev.brook.storage.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCleanerTest {
  @TempDir Path dir;
  private final ThrottlerTest.FakeClock clock = new ThrottlerTest.FakeClock();
  private LogConfig config;
  private FileCleanableLog log;
  private int serial;

  @BeforeEach
  void setUp() throws Exception {
    clock.advanceMs(1_000_000);
    config = LogConfig.defaults().withCleanupPolicy(true, false).withCompaction(10_000, 0.5, 0);
    log = new FileCleanableLog(dir, config);
  }

  private LogCleaner cleaner(CleanerConfig c) {
    return new LogCleaner(c, dir, () -> List.of(log), RecordCodec.builtIn(), clock, Throttler.unlimited(clock));
  }

  private LogCleaner cleaner() {
    return cleaner(CleanerConfig.defaults().withDedupeBufferSize(1 << 20));
  }

  /** Appends key=value records, {@code perBatch} a batch, keys cycling over {@code keys}. */
  private void appendCycling(int records, int keys, int perBatch, Compression compression) throws Exception {
    for (int i = 0; i < records; i += perBatch) {
      KV[] kvs = new KV[Math.min(perBatch, records - i)];
      for (int j = 0; j < kvs.length; j++) {
        kvs[j] = new KV("k" + (serial % keys), "v" + serial, clock.milliseconds());
        serial++;
      }
      log.append(TestBatches.batch(0, compression, kvs));
    }
  }

  @Test
  void keepsTheNewestRecordPerKeyWithItsOffsetAndNeverTouchesTheActiveSegment() throws Exception {
    appendCycling(100, 10, 5, Compression.NONE);
    log.roll();
    appendCycling(100, 10, 5, Compression.NONE);
    log.roll();
    appendCycling(7, 10, 7, Compression.NONE); // the active segment: offsets 200..206
    List<String> before = TestBatches.read(log.readAll());

    LogCleaner.Result r = cleaner().cleanOnce();

    assertThat(r).isNotNull();
    assertThat(r.endOffset()).isEqualTo(200);
    List<String> after = TestBatches.read(log.readAll());
    assertThat(after).isEqualTo(expectedAfterCompaction(before, 200));
    // One survivor per key below the active segment: offsets 190..199, then the active records.
    assertThat(after).hasSize(10 + 7);
    assertThat(after.get(0)).startsWith("190:k0=v190");
    assertThat(after.subList(10, 17)).isEqualTo(before.subList(200, 207));
    assertThat(log.segmentCount()).isEqualTo(2); // two small segments grouped into one
    assertThat(cleaner().checkpoints()).containsEntry(log.id(), 200L);
  }

  @Test
  void respectsTheMinimumDirtyRatio() throws Exception {
    appendCycling(100, 10, 10, Compression.NONE);
    log.roll();
    LogCleaner cleaner = cleaner();
    assertThat(cleaner.cleanOnce()).isNotNull();
    // A little new dirt: 1 batch against the clean 10 records is below 50%? The clean part is
    // one batch-sized segment of 10 records; add 1 small record.
    appendCycling(1, 10, 1, Compression.NONE);
    log.roll();
    double ratio = (double) sizeOfSegment(1) / (sizeOfSegment(0) + sizeOfSegment(1));
    assertThat(ratio).isLessThan(0.5);
    assertThat(cleaner.cleanOnce()).isNull();
    log.config(config.withCompaction(10_000, 0.01, 0));
    assertThat(cleaner.cleanOnce()).isNotNull();
  }

  @Test
  void dropsTombstonesOnlyAfterDeleteRetention() throws Exception {
    log.append(TestBatches.batch(0, new KV("a", "1", 1), new KV("b", "1", 1)));
    log.append(TestBatches.batch(0, new KV("a", null, 2)));
    log.roll();
    LogCleaner cleaner = cleaner();
    long t0 = clock.milliseconds();
    assertThat(cleaner.cleanOnce()).isNotNull();
    assertThat(TestBatches.read(log.readAll())).containsExactly("1:b=1@1", "2:a=null@2");

    clock.advanceMs(9_999);
    assertThat(cleaner.cleanOnce()).isNull();
    assertThat(TestBatches.read(log.readAll())).containsExactly("1:b=1@1", "2:a=null@2");

    clock.advanceMs(1);
    assertThat(clock.milliseconds()).isEqualTo(t0 + 10_000);
    assertThat(cleaner.cleanOnce()).isNotNull();
    assertThat(TestBatches.read(log.readAll())).containsExactly("1:b=1@1");
    clock.advanceMs(1_000_000);
    assertThat(cleaner.cleanOnce()).isNull(); // nothing left to do
  }

  @Test
  void cleansCompressedBatchesKeepingTheirCodec() throws Exception {
    appendCycling(60, 4, 6, Compression.gzip().build());
    log.roll();
    List<String> before = TestBatches.read(log.readAll());
    assertThat(cleaner().cleanOnce()).isNotNull();
    ByteBuffer all = log.readAll();
    assertThat(TestBatches.read(all)).isEqualTo(expectedAfterCompaction(before, 60));
    for (RecordBatch b : MemoryRecords.readableRecords(all).batches()) {
      assertThat((int) b.compressionType().id).isEqualTo(RecordCodec.GZIP);
    }
  }

  @Test
  void minCompactionLagKeepsYoungSegmentsDirty() throws Exception {
    appendCycling(20, 2, 5, Compression.NONE);
    log.roll();
    clock.advanceMs(60_000);
    appendCycling(20, 2, 5, Compression.NONE);
    log.roll();
    log.config(config.withCompaction(10_000, 0.5, 30_000));
    LogCleaner.Result r = cleaner().cleanOnce();
    assertThat(r.endOffset()).isEqualTo(20); // the second segment is younger than the lag
    assertThat(TestBatches.read(log.readAll())).hasSize(2 + 20);
  }

  @Test
  void highWatermarkBoundsCleaning() throws Exception {
    appendCycling(20, 2, 5, Compression.NONE);
    log.roll();
    appendCycling(20, 2, 5, Compression.NONE);
    log.roll();
    log.highWatermark = 25;
    assertThat(cleaner().cleanOnce().endOffset()).isEqualTo(20);
  }

  @Test
  void aSmallOffsetMapCleansInSeveralPassesWithTheSameResult() throws Exception {
    for (int s = 0; s < 4; s++) {
      appendCycling(40, 100, 10, Compression.NONE);
      log.roll();
    }
    List<String> before = TestBatches.read(log.readAll());
    // 60 slots × 0.9 = 54 keys: less than the 100 keys of the dirty part.
    LogCleaner cleaner = cleaner(CleanerConfig.defaults().withDedupeBufferSize(24 * 60));
    LogCleaner.Result first = cleaner.cleanOnce();
    assertThat(first.endOffset()).isLessThan(160);
    for (int i = 0; i < 10 && cleaner.checkpoints().get(log.id()) < 160; i++) {
      log.config(config.withCompaction(10_000, 0.0001, 0));
      cleaner.cleanOnce();
    }
    assertThat(cleaner.checkpoints()).containsEntry(log.id(), 160L);
    assertThat(TestBatches.read(log.readAll())).isEqualTo(expectedAfterCompaction(before, 160));
  }

  @Test
  void controlBatchesPassThroughUntouched() throws Exception {
    log.append(TestBatches.batch(0, KV.of("a", "1")));
    ByteBuffer marker = MemoryRecords.withEndTransactionMarker(0L, clock.milliseconds(), 0, 7L, (short) 0,
        new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
    log.append(marker);
    log.append(TestBatches.batch(0, KV.of("a", "2")));
    log.roll();
    assertThat(cleaner().cleanOnce()).isNotNull();
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(log.readAll()).batches().forEach(batches::add);
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).isControlBatch()).isTrue();
    assertThat(batches.get(0).baseOffset()).isEqualTo(1);
    assertThat(TestBatches.read(log.readAll())).last().isEqualTo("2:a=2@1000");
  }

  @Test
  void anActiveProducersLastBatchStaysAsAnEmptyBatch() throws Exception {
    for (long pid = 1; pid <= 2; pid++) {
      ByteBuffer buf = ByteBuffer.allocate(1024);
      org.apache.kafka.common.record.MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2,
          Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L, 0L, pid, (short) 0, 0);
      b.append(new org.apache.kafka.common.record.SimpleRecord(1L, "k".getBytes(), ("p" + pid).getBytes()));
      log.append(b.build().buffer());
    }
    log.append(TestBatches.batch(0, KV.of("k", "final")));
    log.roll();
    log.activeProducers = Map.of(1L, 0L, 2L, 99L); // producer 1's last batch is offset 0; 2 wrote later
    assertThat(cleaner().cleanOnce()).isNotNull();
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(log.readAll()).batches().forEach(batches::add);
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).producerId()).isEqualTo(1L);
    assertThat(batches.get(0).countOrNull()).isZero();
    assertThat(TestBatches.read(log.readAll())).containsExactly("2:k=final@1000");
  }

  @Test
  void ioIsThrottled() throws Exception {
    appendCycling(200, 10, 10, Compression.NONE);
    log.roll();
    List<Long> sleeps = new ArrayList<>();
    Throttler slow = new Throttler(1000, 0, clock, ms -> {
      sleeps.add(ms);
      clock.advanceMs(ms);
    });
    LogCleaner cleaner = new LogCleaner(CleanerConfig.defaults().withDedupeBufferSize(1 << 20), dir,
        () -> List.of(log), RecordCodec.builtIn(), clock, slow);
    clock.advanceMs(1);
    assertThat(cleaner.cleanOnce()).isNotNull();
    assertThat(slow.totalSleptMs()).isGreaterThan(0);
  }

  @Test
  void truncationBelowTheCheckpointMakesTheRestDirtyAgain() throws Exception {
    appendCycling(30, 3, 5, Compression.NONE);
    log.roll();
    LogCleaner cleaner = cleaner();
    cleaner.cleanOnce();
    assertThat(cleaner.checkpoints()).containsEntry(log.id(), 30L);
    log.highWatermark = 20; // as after a truncation to 20
    cleaner.cleanOnce();
    assertThat(cleaner.checkpoints()).containsEntry(log.id(), 20L);
  }

  @Test
  void checkpointSurvivesARestartOfTheCleaner() throws Exception {
    appendCycling(30, 3, 5, Compression.NONE);
    log.roll();
    cleaner().cleanOnce();
    LogCleaner again = cleaner();
    assertThat(again.checkpoints()).containsEntry(log.id(), 30L);
    assertThat(again.cleanOnce()).isNull();
  }

  @Test
  void backgroundThreadsCleanWithoutBeingAsked() throws Exception {
    appendCycling(50, 5, 5, Compression.NONE);
    log.roll();
    LogCleaner cleaner = cleaner(CleanerConfig.defaults().withDedupeBufferSize(1 << 16).withBackoffMs(10).withThreads(2));
    cleaner.start();
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
          .until(() -> cleaner.checkpoints().containsKey(log.id()));
    } finally {
      cleaner.close();
    }
    assertThat(TestBatches.read(log.readAll())).hasSize(5);
  }

  private long sizeOfSegment(int i) {
    return log.segments().get(i).info().sizeInBytes();
  }

  /** The model: below {@code end}, a record stays iff no later record below end has its key. */
  private static List<String> expectedAfterCompaction(List<String> records, long end) {
    Map<String, Long> latest = new HashMap<>();
    for (String r : records) {
      long offset = Long.parseLong(r.substring(0, r.indexOf(':')));
      if (offset < end) {
        latest.put(key(r), offset);
      }
    }
    List<String> out = new ArrayList<>();
    for (String r : records) {
      long offset = Long.parseLong(r.substring(0, r.indexOf(':')));
      if (offset >= end || latest.get(key(r)) == offset) {
        out.add(r);
      }
    }
    return out;
  }

  private static String key(String r) {
    return r.substring(r.indexOf(':') + 1, r.indexOf('='));
  }
}
