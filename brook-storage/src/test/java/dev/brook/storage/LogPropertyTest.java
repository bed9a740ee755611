package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives random appends, reads, rolls, retention, delete-records, truncations and reopenings
 * against an in-memory model of the log (a list of batches), checking after every step.
 *
 * <p>Three seeds by default; {@code -Dbrook.property.seeds=N} runs seeds 1..N (a soak:
 * {@code mvn -o test -pl brook-storage -Dtest=LogPropertyTest -Dbrook.property.seeds=500}).
 * The flusher runs on its own thread, so a seed also explores different interleavings each run.
 */
class LogPropertyTest {
  @TempDir Path tmp;

  /** A batch in the model: offsets [base, base + values.size()). */
  record ModelBatch(long base, List<String> values) {
    long last() {
      return base + values.size() - 1;
    }
  }

  final List<ModelBatch> model = new ArrayList<>();
  final List<String> history = new ArrayList<>();
  final List<SegmentedLog> abandoned = new ArrayList<>();
  long start;
  long end;
  FakeClock clock;
  SegmentedLog log;
  Path dir;

  LogConfig config(Random rnd) {
    return LogConfig.defaults()
        .withSegmentBytes(600 + rnd.nextInt(1500))
        .withIndexIntervalBytes(rnd.nextInt(300))
        .withSegmentIndexBytes(8 * (4 + rnd.nextInt(20)))
        .withFileDeleteDelayMs(rnd.nextBoolean() ? 0 : 1000);
  }

  static java.util.stream.LongStream seeds() {
    return java.util.stream.LongStream.rangeClosed(1, Long.getLong("brook.property.seeds", 3));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void logMatchesModel(long seed) throws Exception {
    Random rnd = new Random(seed);
    clock = new FakeClock();
    dir = tmp.resolve("prop-" + seed + "-0");
    LogConfig config = config(rnd);
    log = SegmentedLog.open(dir, config, clock, LogLoadState.clean());
    int counter = 0;
    try {
      for (int step = 0; step < 250; step++) {
        int op = rnd.nextInt(100);
        history.add(op + "@" + start + ".." + end);
        if (op < 45) {
          int batches = 1 + rnd.nextInt(3);
          ByteBuffer[] parts = new ByteBuffer[batches];
          List<List<String>> values = new ArrayList<>();
          for (int b = 0; b < batches; b++) {
            int n = 1 + rnd.nextInt(4);
            String[] vs = new String[n];
            for (int i = 0; i < n; i++) {
              vs[i] = "v" + (counter++) + "x".repeat(rnd.nextInt(60));
            }
            values.add(List.of(vs));
            parts[b] = Batches.batch(clock.milliseconds(), vs);
          }
          AppendResult r = log.appendAsLeader(Batches.concat(parts), 1);
          assertThat(r.firstOffset()).as(() -> String.join(" ", history.subList(Math.max(0, history.size() - 12), history.size()))).isEqualTo(end);
          for (List<String> vs : values) {
            model.add(new ModelBatch(end, vs));
            end += vs.size();
          }
          assertThat(r.lastOffset()).isEqualTo(end - 1);
        } else if (op < 65) {
          checkRandomRead(rnd);
        } else if (op < 70) {
          log.roll();
        } else if (op < 76) {
          log.updateHighWatermark(end);
          log.updateConfig(log.config().withRetention(-1, rnd.nextInt(3000)));
          String before = log.segments().stream().map(s -> s.baseOffset() + "/" + s.sizeInBytes()).toList() + " lso=" + log.logStartOffset() + " " + String.join(" ", history.subList(Math.max(0, history.size() - 12), history.size()));
          log.applyRetention();
          log.updateConfig(log.config().withRetention(-1, -1));
          assertThat(log.logStartOffset()).isGreaterThanOrEqualTo(start);
          List<LogSegment> segs = log.segments();
          assertThat(log.logStartOffset()).as(before).isGreaterThanOrEqualTo(segs.get(0).baseOffset());
          if (segs.size() > 1) {
            assertThat(log.logStartOffset()).as(before).isLessThan(segs.get(1).baseOffset());
          }
          moveStart(log.logStartOffset());
        } else if (op < 80) {
          log.updateHighWatermark(end);
          long target = start + (end == start ? 0 : rnd.nextLong(end - start + 1));
          assertThat(log.deleteRecordsBefore(target)).isEqualTo(Math.max(start, target));
          moveStart(Math.max(start, target));
        } else if (op < 88) {
          long target = start + (end == start ? 0 : rnd.nextLong(end - start + 1));
          log.truncateTo(target);
          truncateModel(target);
        } else if (op < 90) {
          long target = end + rnd.nextInt(5);
          log.truncateFullyAndStartAt(target);
          model.clear();
          start = target;
          end = target;
        } else if (op < 97) {
          int how = rnd.nextInt(3);
          if (how < 2) {
            log.close();
          } else {
            // A crash: no flush, no trimmed indexes; the page cache keeps the bytes. The crashed
            // process's threads die with it, so the flusher's queued work for this instance (a
            // rolled segment's index trim, up to 200 ms later) must not touch the files the next
            // instance recovers: marked offline, it writes nothing more.
            log.markOffline();
            abandoned.add(log);
          }
          boolean clean = how == 0;
          long recoveryPoint = clean ? Long.MAX_VALUE : log.recoveryPoint();
          log = SegmentedLog.open(dir, config, clock, new LogLoadState(recoveryPoint, start, end, clean));
        } else {
          clock.advance(rnd.nextInt(2000));
          log.deleteExpiredFiles();
        }
        checkInvariants();
      }
      checkEverything();
    } finally {
      log.close();
      // The crashed instances' flusher work (a next segment's files being made when the crash came)
      // may still be running on the shared flusher: let it end before @TempDir deletes the directory,
      // or a file made meanwhile fails the deletion (1 seed in ~400). A real crash ends those threads.
      LogFlusher.shared().drain();
    }
  }

  private void moveStart(long newStart) {
    start = newStart;
    model.removeIf(b -> b.last() < newStart);
  }

  private void truncateModel(long target) {
    if (target >= end) {
      return;
    }
    if (target < start) {
      model.clear();
      start = target;
      end = target;
      return;
    }
    long newEnd = target;
    for (ModelBatch b : model) {
      if (b.last() >= target) {
        newEnd = Math.min(newEnd, b.base());
      }
    }
    model.removeIf(b -> b.last() >= target);
    end = Math.max(newEnd, start);
  }

  private void checkInvariants() {
    assertThat(log.logEndOffset()).as("log end").isEqualTo(end);
    assertThat(log.logStartOffset()).as(() -> "log start " + String.join(" ", history.subList(Math.max(0, history.size() - 12), history.size()))).isEqualTo(start);
  }

  private void checkRandomRead(Random rnd) throws IOException {
    if (end == start) {
      assertThat(log.read(start, 1000, Long.MAX_VALUE, true).records().isEmpty()).isTrue();
      return;
    }
    long offset = start + rnd.nextLong(end - start);
    LogReadResult r = log.read(offset, rnd.nextInt(2000), Long.MAX_VALUE, true);
    assertThat(r.outOfRange()).isFalse();
    ModelBatch containing = model.stream().filter(b -> b.last() >= offset).findFirst().orElseThrow();
    assertThat(r.firstBatchBaseOffset()).isEqualTo(containing.base());
    List<String> got = Batches.records(r.records());
    List<String> want = new ArrayList<>();
    for (int i = 0; i < containing.values().size(); i++) {
      want.add((containing.base() + i) + ":" + containing.values().get(i));
    }
    assertThat(got).startsWith(want.toArray(new String[0]));
    assertThat(log.read(end + 1, 1000, Long.MAX_VALUE, true).outOfRange()).isTrue();
    if (start > 0) {
      assertThat(log.read(start - 1, 1000, Long.MAX_VALUE, true).outOfRange()).isTrue();
    }
  }

  private void checkEverything() throws IOException {
    List<String> want = new ArrayList<>();
    for (ModelBatch b : model) {
      for (int i = 0; i < b.values().size(); i++) {
        long o = b.base() + i;
        if (o >= start) {
          want.add(o + ":" + b.values().get(i));
        }
      }
    }
    assertThat(Batches.readAll(log, start)).isEqualTo(want);
  }
}
