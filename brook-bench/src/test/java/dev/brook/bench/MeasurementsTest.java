package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeasurementsTest {
  @Test
  void medianSkipsMissingValuesAndAveragesTheMiddlePair() {
    assertThat(Measurements.median(new double[] {3, Double.NaN, 1, 2})).isEqualTo(2);
    assertThat(Measurements.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(Measurements.median(new double[] {Double.NaN})).isNaN();
  }

  @Test
  void ratioIsTheMedianOfSameRoundRatiosNotTheRatioOfMedians() {
    Measurements m = new Measurements(3);
    double[] kafka = {100, 200, 400};
    double[] brook = {150, 220, 100};
    for (int r = 0; r < 3; r++) {
      m.put(Measurements.KAFKA, Metric.PRODUCE_100B_RPS, r, kafka[r]);
      m.put(Measurements.BROOK, Metric.PRODUCE_100B_RPS, r, brook[r]);
    }
    // per-round ratios 1.5, 1.1, 0.25 -> median 1.1; the ratio of medians would be 150/200 = 0.75
    assertThat(m.medianRatio(Metric.PRODUCE_100B_RPS)).isCloseTo(1.1, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(m.median(Measurements.BROOK, Metric.PRODUCE_100B_RPS)).isEqualTo(150);
  }

  @Test
  void aRoundWhereOneBrokerFailedGivesNoRatio() {
    Measurements m = new Measurements(2);
    m.put(Measurements.KAFKA, Metric.STARTUP, 0, 4000);
    m.put(Measurements.BROOK, Metric.STARTUP, 1, 300);
    assertThat(m.medianRatio(Metric.STARTUP)).isNaN();
  }

  @Test
  void targetsFollowTheDirectionOfTheFigure() {
    assertThat(Metric.PRODUCE_100B_RPS.met(1.31)).isTrue();
    assertThat(Metric.PRODUCE_100B_RPS.met(1.2)).isFalse();
    assertThat(Metric.STARTUP.met(0.09)).isTrue();
    assertThat(Metric.STARTUP.met(0.2)).isFalse();
    assertThat(Metric.PRODUCE_8P_RPS.met(2)).isNull();
  }
}
