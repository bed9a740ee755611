package dev.brook.bench;

/**
 * One figure the side-by-side benchmark reports for each broker, with the direction in which it is
 * better and, where issue 7 sets one, the target for the ratio Brook/Kafka (the median of the
 * per-round ratios). The order here is the order of the table, CSV and chart.
 */
enum Metric {
  PRODUCE_100B_RPS("produce 1p 100 B", "records/s", true, 1.3),
  PRODUCE_100B_MBPS("produce 1p 100 B", "MB/s", true, Double.NaN),
  PRODUCE_100B_P50("produce 1p 100 B", "p50 ms", false, Double.NaN),
  PRODUCE_100B_P99("produce 1p 100 B", "p99 ms", false, Double.NaN),
  PRODUCE_1K_RPS("produce 1p 1 KiB", "records/s", true, Double.NaN),
  PRODUCE_1K_MBPS("produce 1p 1 KiB", "MB/s", true, 1.3),
  PRODUCE_1K_P50("produce 1p 1 KiB", "p50 ms", false, Double.NaN),
  PRODUCE_1K_P99("produce 1p 1 KiB", "p99 ms", false, Double.NaN),
  PRODUCE_8P_RPS("produce 8p 1 KiB", "records/s", true, Double.NaN),
  PRODUCE_8P_MBPS("produce 8p 1 KiB", "MB/s", true, Double.NaN),
  PRODUCE_8P_P99("produce 8p 1 KiB", "p99 ms", false, Double.NaN),
  CONSUME_PIPELINED_RPS("consume 100 B, pipelined fetch", "records/s", true, 1.2),
  CONSUME_PIPELINED_MBPS("consume 100 B, pipelined fetch", "MB/s", true, Double.NaN),
  CONSUME_SMALL_RPS("consume 100 B, pipelined, 64 KiB answers", "records/s", true, Double.NaN),
  CONSUME_SMALL_MBPS("consume 100 B, pipelined, 64 KiB answers", "MB/s", true, Double.NaN),
  CONSUME_RPS("consume 100 B, console (client-bound)", "records/s", true, Double.NaN),
  CONSUME_MBPS("consume 100 B, console (client-bound)", "MB/s", true, Double.NaN),
  CONSUME_FETCH_RPS("consume 100 B, console (client-bound)", "fetch-only records/s", true, Double.NaN),
  E2E_AVG("end-to-end 1 KiB acks=all", "avg ms", false, Double.NaN),
  E2E_P50("end-to-end 1 KiB acks=all", "p50 ms", false, Double.NaN),
  E2E_P99("end-to-end 1 KiB acks=all", "p99 ms", false, 0.5),
  E2E_P999("end-to-end 1 KiB acks=all", "p99.9 ms", false, Double.NaN),
  CPU_PER_GIB("broker CPU per GiB produced", "CPU s", false, 0.5),
  CPU_PER_GIB_CONSUMED("broker CPU per GiB consumed (pipelined)", "CPU s", false, Double.NaN),
  CPU_PER_GIB_CONSUMED_SMALL("broker CPU per GiB consumed (64 KiB answers)", "CPU s", false, Double.NaN),
  PEAK_RSS("broker peak RSS", "MB", false, Double.NaN),
  STARTUP("startup to first Metadata", "ms", false, 0.1),
  IDLE_RSS("idle RSS after startup", "MB", false, 0.25);

  final String workload;
  final String unit;
  final boolean higherIsBetter;
  /** Target for Brook/Kafka: a minimum when higher is better, a maximum otherwise; NaN when none. */
  final double target;

  Metric(String workload, String unit, boolean higherIsBetter, double target) {
    this.workload = workload;
    this.unit = unit;
    this.higherIsBetter = higherIsBetter;
    this.target = target;
  }

  String label() {
    return workload + ", " + unit;
  }

  /** "≥ 1.3" or "≤ 0.5", or "" when there is no target. */
  String targetText() {
    return Double.isNaN(target) ? "" : (higherIsBetter ? ">= " : "<= ") + target;
  }

  /** Whether a ratio Brook/Kafka meets the target; null when there is no target or no ratio. */
  Boolean met(double ratio) {
    if (Double.isNaN(target) || Double.isNaN(ratio)) {
      return null;
    }
    return higherIsBetter ? ratio >= target : ratio <= target;
  }
}
