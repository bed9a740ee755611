package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {
  @Test
  void percentilesAreNearestRankOverEveryValue() {
    Latencies l = new Latencies();
    for (int ms = 100; ms >= 1; ms--) { // 1..100 ms, recorded out of order
      l.record(ms * 1_000_000L);
    }
    assertThat(l.count()).isEqualTo(100);
    assertThat(l.percentileMillis(0.50)).isEqualTo(50.0);
    assertThat(l.percentileMillis(0.99)).isEqualTo(99.0);
    assertThat(l.percentileMillis(1.0)).isEqualTo(100.0);
    assertThat(l.maxMillis()).isEqualTo(100.0);
  }

  @Test
  void growsPastItsFirstArrayAndMergesThreads() {
    Latencies a = new Latencies();
    Latencies b = new Latencies();
    for (int i = 0; i < 3000; i++) {
      a.record(1_000_000L);
    }
    b.record(9_000_000L);
    Latencies all = Latencies.merge(List.of(a, b));
    assertThat(all.count()).isEqualTo(3001);
    assertThat(all.percentileMillis(0.99)).isEqualTo(1.0);
    assertThat(all.maxMillis()).isEqualTo(9.0);
  }

  @Test
  void emptyGivesNaNAndABadQuantileIsRefused() {
    assertThat(new Latencies().percentileMillis(0.5)).isNaN();
    assertThatThrownBy(() -> new Latencies().percentileMillis(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
