package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoundStatisticsTest {
  @Test
  void medianOfOddAndEvenCountsWhateverTheOrder() {
    assertThat(RoundStatistics.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
    assertThat(RoundStatistics.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(RoundStatistics.median(List.of(7.0))).isEqualTo(7.0);
  }

  @Test
  void intervalUsesStudentsTForFewValues() {
    // mean 2, sample sd 1, sem 1/sqrt(3), t(0.975, 2 df) = 4.30 -> half-width 2.483
    assertThat(RoundStatistics.meanAndInterval(List.of(1.0, 2.0, 3.0))).isEqualTo("2.000 ± 2.483 (3 values)");
    // 2 values: t(0.975, 1 df) = 12.71, sem 0.5
    assertThat(RoundStatistics.meanAndInterval(List.of(1.0, 2.0))).isEqualTo("1.500 ± 6.355 (2 values)");
  }

  @Test
  void oneValueHasNoInterval() {
    assertThat(RoundStatistics.meanAndInterval(List.of(5.0))).isEqualTo("5.000 (1 value)");
  }

  @Test
  void manyValuesFallBackToTwo() {
    List<Double> xs = java.util.Collections.nCopies(20, 1.0).stream().map(x -> x).collect(java.util.stream.Collectors.toList());
    xs.set(0, 21.0); // mean 2, sample variance 20 -> sem 1, 16+ values use t = 2.0
    assertThat(RoundStatistics.meanAndInterval(xs)).isEqualTo("2.000 ± 2.000 (20 values)");
  }
}
