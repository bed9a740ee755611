package dev.brook.bench;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Every figure of every round, per broker: {@code value(broker, metric, round)}. A workload that
 * failed leaves NaN, which medians skip. Ratios pair Brook and Kafka of the same round, because only
 * same-run ratios are meaningful on a shared, noisy machine. Used from one thread.
 */
final class Measurements {
  static final String BROOK = "brook";
  static final String KAFKA = "kafka";

  private final int rounds;
  private final Map<String, Map<Metric, double[]>> values = Map.of(BROOK, new EnumMap<>(Metric.class),
      KAFKA, new EnumMap<>(Metric.class));

  Measurements(int rounds) {
    this.rounds = rounds;
  }

  int rounds() {
    return rounds;
  }

  void put(String broker, Metric metric, int round, double value) {
    series(broker, metric)[round] = value;
  }

  double value(String broker, Metric metric, int round) {
    return series(broker, metric)[round];
  }

  double median(String broker, Metric metric) {
    return median(series(broker, metric));
  }

  /** Median over rounds of Brook/Kafka in the same round; NaN when no round has both. */
  double medianRatio(Metric metric) {
    double[] r = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      double k = value(KAFKA, metric, i);
      r[i] = k == 0 || Double.isNaN(k) ? Double.NaN : value(BROOK, metric, i) / k;
    }
    return median(r);
  }

  /** Median of the values that are numbers; NaN when there are none. */
  static double median(double[] xs) {
    double[] v = Arrays.stream(xs).filter(x -> !Double.isNaN(x) && !Double.isInfinite(x)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  private double[] series(String broker, Metric metric) {
    Map<Metric, double[]> m = values.get(broker);
    if (m == null) {
      throw new IllegalArgumentException("unknown broker " + broker);
    }
    return m.computeIfAbsent(metric, k -> {
      double[] a = new double[rounds];
      Arrays.fill(a, Double.NaN);
      return a;
    });
  }
}
