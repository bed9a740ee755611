package dev.brook.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentValuesReservoirTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private final RecentValuesReservoir reservoir = new RecentValuesReservoir(new Clock() {
    @Override
    public long getTick() {
      return nanos.get();
    }
  });

  @Test
  void percentilesOfWhatWasRecorded() {
    for (int v = 1; v <= 1000; v++) reservoir.update(v);
    Snapshot s = reservoir.getSnapshot();
    assertThat(s.size()).isEqualTo(1000);
    assertThat(s.getMin()).isEqualTo(1);
    assertThat(s.getMedian()).isBetween(495.0, 505.0);
    assertThat(s.get99thPercentile()).isBetween(985.0, 995.0);
    assertThat(s.getMax()).isBetween(1000L, 1010L); // two significant digits above 255
    assertThat(s.getMean()).isBetween(495.0, 505.0);
    assertThat(s.getValues()).hasSize(1000).isSorted();
  }

  @Test
  void smallValuesAreExact() {
    for (int i = 0; i < 98; i++) reservoir.update(0);
    reservoir.update(7);
    reservoir.update(250);
    Snapshot s = reservoir.getSnapshot();
    assertThat(s.getMedian()).isZero();
    assertThat(s.get99thPercentile()).isEqualTo(7.0);
    assertThat(s.getMax()).isEqualTo(250);
  }

  @Test
  void valuesOlderThanAboutAMinuteLeave() {
    reservoir.update(500);
    assertThat(reservoir.getSnapshot().getMax()).as("read once: now in the current interval").isBetween(500L, 505L);
    nanos.addAndGet(30_000_000_000L);
    reservoir.update(5);
    Snapshot half = reservoir.getSnapshot();
    assertThat(half.size()).as("30 s later both count").isEqualTo(2);
    nanos.addAndGet(40_000_000_000L);
    Snapshot later = reservoir.getSnapshot();
    assertThat(later.size()).as("70 s after it, the 500 is gone; the 5, 40 s old, stays").isEqualTo(1);
    assertThat(later.getMax()).isEqualTo(5);
    nanos.addAndGet(60_000_000_000L);
    assertThat(reservoir.getSnapshot().size()).isZero();
  }

  @Test
  void anEmptySnapshotIsZeros() {
    Snapshot s = reservoir.getSnapshot();
    assertThat(s.size()).isZero();
    assertThat(s.getMax()).isZero();
    assertThat(s.getMean()).isZero();
    assertThat(s.get99thPercentile()).isZero();
    assertThat(s.getValues()).isEmpty();
    assertThatThrownBy(() -> s.getValue(1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noValueIsLostBetweenConcurrentUpdatesAndReads() throws Exception {
    List<Thread> writers = new ArrayList<>();
    Runnable write = () -> {
      for (int i = 0; i < 100_000; i++) reservoir.update(i % 100);
    };
    for (int t = 0; t < 2; t++) { // event loops (a recorder each) and other threads (one shared)
      writers.add(new io.netty.util.concurrent.FastThreadLocalThread(write));
      writers.add(Thread.ofPlatform().unstarted(write));
    }
    writers.forEach(Thread::start);
    long seen = 0;
    while (writers.stream().anyMatch(Thread::isAlive)) {
      seen = reservoir.getSnapshot().size(); // reads in the middle of the writes
    }
    for (Thread w : writers) w.join(10_000);
    assertThat(reservoir.getSnapshot().size()).isEqualTo(400_000).isGreaterThanOrEqualTo((int) seen);
  }
}
