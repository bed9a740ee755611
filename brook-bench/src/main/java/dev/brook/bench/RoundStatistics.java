package dev.brook.bench;

import java.util.List;
import java.util.Locale;

/**
 * What {@code bench/scaling} says of a figure over its rounds: the median, and the mean with a 95 %
 * interval, for the few values (one per round) these runs have. Stateless.
 */
final class RoundStatistics {
  private RoundStatistics() {}

  /** The median of the values that are numbers ({@link Measurements#median}); NaN when there are none. */
  static double median(List<Double> xs) {
    return Measurements.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** "mean ± half-width of a 95 % interval (n values)", Student's t for the small n these runs have. */
  static String meanAndInterval(List<Double> xs) {
    int n = xs.size();
    double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    if (n < 2) return String.format(Locale.ROOT, "%.3f (1 value)", mean);
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    double sem = Math.sqrt(ss / (n - 1) / n);
    double[] t = {12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14};
    double tq = n - 2 < t.length ? t[n - 2] : 2.0;
    return String.format(Locale.ROOT, "%.3f ± %.3f (%d values)", mean, tq * sem, n);
  }
}
