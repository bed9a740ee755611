package dev.brook.storage.cleaner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottlerTest {
  /** A clock that moves only when told to, or when the throttler "sleeps". */
  static final class FakeClock implements Clock {
    long nanos;

    @Override
    public long milliseconds() {
      return nanos / 1_000_000;
    }

    @Override
    public long nanoseconds() {
      return nanos;
    }

    void advanceMs(long ms) {
      nanos += ms * 1_000_000;
    }
  }

  @Test
  void sleepsJustEnoughToBringTheRateDownToTheLimit() throws Exception {
    FakeClock clock = new FakeClock();
    List<Long> sleeps = new ArrayList<>();
    Throttler t = new Throttler(1000, 100, clock, ms -> {
      sleeps.add(ms);
      clock.advanceMs(ms);
    });
    // 500 bytes in 200 ms = 2500 B/s; at 1000 B/s they should take 500 ms: sleep 300.
    clock.advanceMs(200);
    t.maybeThrottle(500);
    assertThat(sleeps).containsExactly(300L);

    // Over a long run the average stays at the limit.
    long bytes = 0;
    long start = clock.nanoseconds();
    for (int i = 0; i < 100; i++) {
      clock.advanceMs(10);
      t.maybeThrottle(100);
      bytes += 100;
    }
    double seconds = (clock.nanoseconds() - start) / 1e9;
    assertThat(bytes / seconds).isBetween(800.0, 1000.0 * 1.05);
  }

  @Test
  void neverSleepsUnderTheLimitOrWithinTheCheckInterval() throws Exception {
    FakeClock clock = new FakeClock();
    List<Long> sleeps = new ArrayList<>();
    Throttler t = new Throttler(1000, 100, clock, sleeps::add);
    t.maybeThrottle(10_000); // no time has passed: wait for a full interval before judging
    clock.advanceMs(50);
    t.maybeThrottle(1);
    assertThat(sleeps).isEmpty();
    Throttler slow = new Throttler(1000, 100, clock, sleeps::add);
    clock.advanceMs(1000);
    slow.maybeThrottle(900);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void unlimitedNeverSleeps() throws Exception {
    FakeClock clock = new FakeClock();
    Throttler t = Throttler.unlimited(clock);
    clock.advanceMs(1000);
    t.maybeThrottle(Long.MAX_VALUE / 2);
    assertThat(t.totalSleptMs()).isZero();
  }
}
