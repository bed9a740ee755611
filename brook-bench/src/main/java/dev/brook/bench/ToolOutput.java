package dev.brook.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the summary that each Kafka 4.1.1 performance tool prints. The tools print MB meaning
 * 2<sup>20</sup> bytes; the figures are kept as printed so they compare with anyone else's runs.
 */
final class ToolOutput {
  private ToolOutput() {}

  /** ProducerPerformance's total line: throughput and the latency of each send as the producer saw it. */
  record Produce(long records, double recordsPerSec, double mbPerSec, double avgMs, double p50Ms, double p99Ms,
      double p999Ms) {}

  /** ConsumerPerformance's summary: overall rates (including the group join) and fetch-only rates. */
  record Consume(long records, double mb, double recordsPerSec, double mbPerSec, long rebalanceMs,
      double fetchRecordsPerSec, double fetchMbPerSec) {}

  /** EndToEndLatency: mean (0.1 µs resolution) and percentiles (the tool truncates them to whole ms). */
  record Latency(double avgMs, double p50Ms, double p99Ms, double p999Ms) {}

  private static final String NUM = "([0-9]+(?:\\.[0-9]+)?)";
  private static final Pattern PRODUCE = Pattern.compile("([0-9]+) records sent, " + NUM + " records/sec \\("
      + NUM + " MB/sec\\), " + NUM + " ms avg latency, " + NUM + " ms max latency, " + NUM + " ms 50th, "
      + NUM + " ms 95th, " + NUM + " ms 99th, " + NUM + " ms 99.9th\\.");
  private static final Pattern AVG = Pattern.compile("Avg latency: " + NUM + " ms");
  private static final Pattern PERCENTILES =
      Pattern.compile("Percentiles: 50th = " + NUM + ", 99th = " + NUM + ", 99.9th = " + NUM);

  /** The last total line (the tool prints one per run, and a second one after warm-up records). */
  static Produce produce(String out) {
    Matcher m = PRODUCE.matcher(out);
    Produce last = null;
    while (m.find()) {
      last = new Produce(Long.parseLong(m.group(1)), d(m, 2), d(m, 3), d(m, 4), d(m, 6), d(m, 8), d(m, 9));
    }
    if (last == null) {
      throw new IllegalArgumentException("no ProducerPerformance total line in:\n" + tail(out));
    }
    return last;
  }

  /** The data row after the "start.time, end.time, ..." header. */
  static Consume consume(String out) {
    String[] lines = out.split("\\R");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("start.time, end.time, data.consumed.in.MB")) {
        String[] f = lines[i + 1].split(", ");
        if (f.length < 10) {
          break;
        }
        return new Consume(Long.parseLong(f[4].trim()), Double.parseDouble(f[2]), Double.parseDouble(f[5]),
            Double.parseDouble(f[3]), Long.parseLong(f[6].trim()), Double.parseDouble(f[9]), Double.parseDouble(f[8]));
      }
    }
    throw new IllegalArgumentException("no ConsumerPerformance summary in:\n" + tail(out));
  }

  static Latency latency(String out) {
    Matcher a = AVG.matcher(out);
    Matcher p = PERCENTILES.matcher(out);
    if (!a.find() || !p.find()) {
      throw new IllegalArgumentException("no EndToEndLatency summary in:\n" + tail(out));
    }
    return new Latency(d(a, 1), d(p, 1), d(p, 2), d(p, 3));
  }

  /** The last lines of a tool's output, for error messages. */
  static String tail(String out) {
    String[] lines = out.split("\\R");
    StringBuilder b = new StringBuilder();
    for (int i = Math.max(0, lines.length - 15); i < lines.length; i++) {
      b.append(lines[i]).append('\n');
    }
    return b.toString();
  }

  private static double d(Matcher m, int group) {
    return Double.parseDouble(m.group(group));
  }
}
