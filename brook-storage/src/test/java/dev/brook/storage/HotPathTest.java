package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The append path's allocation and the read path's isolation from concurrent appends. */
class HotPathTest {
  @TempDir Path tmp;

  @Test
  void appendAllocatesNothingPerRecord() throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    LogConfig config = LogConfig.defaults().withSegmentBytes(64 * 1024 * 1024);
    try (SegmentedLog log = SegmentedLog.open(tmp.resolve("alloc-0"), config, new FakeClock(), LogLoadState.clean())) {
      ByteBuffer one = Batches.sized(1, 1, 10);
      ByteBuffer many = Batches.sized(1, 2000, 10);
      for (int i = 0; i < 200; i++) {
        log.appendAsLeader(one, 0);
        log.appendAsLeader(many, 0);
      }
      long tid = Thread.currentThread().threadId();
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 50; i++) {
        log.appendAsLeader(one, 0);
      }
      long perSmall = (mx.getThreadAllocatedBytes(tid) - before) / 50;
      before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 50; i++) {
        log.appendAsLeader(many, 0);
      }
      long perLarge = (mx.getThreadAllocatedBytes(tid) - before) / 50;
      // 2000 records more per append must not cost even one byte per record.
      assertThat(perLarge - perSmall).as("bytes allocated: 1-record append %d, 2000-record append %d", perSmall, perLarge).isLessThan(2000);
    }
  }

  @Test
  void readAllocatesNothingPerBatch() throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    LogConfig config = LogConfig.defaults().withSegmentBytes(64 * 1024 * 1024);
    try (SegmentedLog log = SegmentedLog.open(tmp.resolve("readalloc-0"), config, new FakeClock(), LogLoadState.clean())) {
      for (int i = 0; i < 3000; i++) {
        log.appendAsLeader(Batches.sized(1, 1 + i % 3, 100 + (i * 37) % 900), 0);
      }
      long end = log.logEndOffset();
      for (int i = 0; i < 2000; i++) {
        log.read(i % end, 1, end, true);
        log.read(i % end, 1 << 20, end, true);
      }
      long tid = Thread.currentThread().threadId();
      long before = mx.getThreadAllocatedBytes(tid);
      long batches = 0;
      for (int i = 0; i < 200; i++) {
        batches += log.read((i * 7L) % (end / 2), 1 << 20, end, true).records().length() / 700;
      }
      long perLargeRead = (mx.getThreadAllocatedBytes(tid) - before) / 200;
      // A read of hundreds of batches allocates a few small result objects, nothing per batch.
      assertThat(batches / 200).isGreaterThan(300);
      assertThat(perLargeRead).as("bytes allocated per 1 MiB read").isLessThan(1024);
    }
  }

  @Test
  void concurrentReadersNeverSeeAPartialBatch() throws Exception {
    LogConfig config = LogConfig.defaults().withSegmentBytes(32 * 1024).withIndexIntervalBytes(512).withFileDeleteDelayMs(60_000);
    try (SegmentedLog log = SegmentedLog.open(tmp.resolve("race-0"), config, new FakeClock(), LogLoadState.clean())) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicInteger reads = new AtomicInteger();
      Thread reader = new Thread(() -> {
        Random rnd = new Random(1);
        try {
          while (!done.get()) {
            long end = log.logEndOffset();
            long offset = end == 0 ? 0 : rnd.nextLong(end + 1);
            LogReadResult r = log.read(offset, 1 + rnd.nextInt(8192), Long.MAX_VALUE, true);
            if (r.outOfRange()) {
              throw new AssertionError("offset " + offset + " out of range with end " + end);
            }
            List<MutableRecordBatch> batches = Batches.batches(r.records()); // validates every CRC
            if (offset < end && batches.isEmpty()) {
              throw new AssertionError("nothing read at " + offset + " below end " + end);
            }
            if (!batches.isEmpty() && batches.get(0).lastOffset() < offset) {
              throw new AssertionError("first batch ends before " + offset);
            }
            reads.incrementAndGet();
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      reader.start();
      Random rnd = new Random(2);
      for (int i = 0; i < 1500 && failure.get() == null; i++) {
        log.appendAsLeader(Batches.sized(1, 1 + rnd.nextInt(5), rnd.nextInt(200)), 0);
        if (i % 100 == 0) {
          await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() > 0 || failure.get() != null);
        }
      }
      done.set(true);
      reader.join(10_000);
      assertThat(failure.get()).isNull();
      assertThat(reads.get()).isPositive();
      assertThat(log.segmentCount()).isGreaterThan(5);
    }
  }
}
