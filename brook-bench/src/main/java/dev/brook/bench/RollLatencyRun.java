package dev.brook.bench;

import static dev.brook.bench.PinnedBroker.HOST;
import static dev.brook.bench.RawRequests.PRODUCE_VERSION;
import static dev.brook.bench.RawRequests.checker;
import static dev.brook.bench.RawRequests.produceRequests;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The {@code rolls} run of {@code bench/scaling}: open-loop produce at a fixed rate, broker on cpu 0: latency send to ack with the default
 * segment size (no roll in the run) and with log.segment.bytes=2 MiB (a roll every 2 MiB of a
 * partition, about one a second per partition), alternating. With {@code --target kafka}
 * the same load runs against Kafka 4.1.1 (the anchor), segment.bytes set on the topic. Used from one
 * thread.
 */
final class RollLatencyRun {
  private final Path root;
  private final Path out;
  private final boolean quick;
  private final ScalingSummary summary;

  RollLatencyRun(Path root, Path out, boolean quick, ScalingSummary summary) {
    this.root = root;
    this.out = out;
    this.quick = quick;
    this.summary = summary;
  }

  void run(int rounds, String target) throws Exception {
    if (!target.equals("brook") && !target.equals("kafka")) {
      throw new IllegalArgumentException("--target is brook or kafka, not " + target);
    }
    int partitions = 4;
    int conns = 16;
    double rate = 250; // requests/s, each 1 partition x 16 KiB: ~4 MiB/s, ~1 MiB/s per partition
    double warm = quick ? 4 : 6;
    double measure = quick ? 10 : 30;
    // ROLLS_BROKER_CPUS=0,1 runs the broker unpinned on this 2-core machine (sharing cpu 1 with the generator).
    String cpus = System.getenv().getOrDefault("ROLLS_BROKER_CPUS", "0");
    summary.line(String.format(Locale.ROOT, "%n== rolls: open loop %.0f produce requests/s (1 partition x 16 KiB each, %d partitions,"
        + " %d connections), %s on cpu %s; warm-up %.0f s, measured %.0f s", rate, partitions, conns, target, cpus, warm, measure));
    summary.line("segment.bytes  round  rolls  p50-ms  p99-ms  p99.9-ms  max-ms  answered  not-sent");
    Map<String, List<Double>> p99 = new LinkedHashMap<>();
    for (int r = 1; r <= rounds; r++) {
      List<String> order = r % 2 == 1 ? List.of("1073741824", "2097152") : List.of("2097152", "1073741824");
      for (String seg : order) {
        String opts = "-XX:MaxDirectMemorySize=512m -Xss512k " // bin/brook's default BROOK_OPTS
            + System.getenv().getOrDefault("BENCH_BROOK_OPTS", ""); // e.g. -Dbrook.storage.appendTimings=true
        String name = target + "-rolls-" + seg + "-r" + r;
        try (PinnedBroker run = target.equals("kafka") ? PinnedBroker.startKafka(out, name, cpus)
            : PinnedBroker.start(root, out, name, cpus, Map.of("log.segment.bytes", seg), Map.of("BROOK_OPTS", opts))) {
          // Kafka's anchor takes no broker overrides: the topic's segment.bytes sets the same size there.
          run.createTopic(partitions, target.equals("kafka") ? Map.of("segment.bytes", seg) : Map.of());
          List<List<ByteBuffer>> reqs = produceRequests(conns, partitions, 1, 16 << 10, 100, 8);
          try (RawLoad load = new RawLoad(HOST, run.port, reqs, 64, checker(ApiKeys.PRODUCE, PRODUCE_VERSION))) {
            load.runOpen(rate, warm);
            long before = run.segmentFiles();
            RawLoad.Result res = load.runOpen(rate, measure);
            long rolls = run.segmentFiles() - before;
            Latencies l = res.latencies();
            p99.computeIfAbsent(seg, k -> new ArrayList<>()).add(l.percentileMillis(0.99));
            summary.line(String.format(Locale.ROOT, "%-14s %-6d %-6d %-7.2f %-7.2f %-9.2f %-7.2f %-9d %d", seg, r, rolls,
                l.percentileMillis(0.5), l.percentileMillis(0.99), l.percentileMillis(0.999), l.maxMillis(), res.requests(),
                res.skipped()));
          }
        }
      }
    }
    double none = RoundStatistics.median(p99.get("1073741824"));
    double rolling = RoundStatistics.median(p99.get("2097152"));
    summary.line(String.format(Locale.ROOT, "median p99: no rolls %.2f ms, rolls every 2 MiB %.2f ms -> %.2fx", none, rolling, rolling / none));
    // Pair by pair: the two runs of a round are minutes apart, so they share most of the machine's load.
    StringBuilder pairs = new StringBuilder("p99 with rolls / without, per round:");
    for (int r = 0; r < rounds; r++) {
      pairs.append(String.format(Locale.ROOT, " %.2f", p99.get("2097152").get(r) / p99.get("1073741824").get(r)));
    }
    summary.line(pairs.toString());
  }
}
