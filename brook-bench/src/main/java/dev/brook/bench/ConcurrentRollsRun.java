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
 * The {@code rolls-concurrent} run of {@code bench/scaling}: the rolls comparison with both brokers running at once: the broker with the default segment
 * size and the one with a roll every 2 MiB, each on {@code ROLLS_BROKER_CPUS} (default cpu 0), each
 * under the same open-loop load from its own generator thread, measured over the same 30 s. On a
 * machine shared with other work the two p99s then see the same load, which run-after-run pairs
 * minutes apart do not (their p99 without rolls alone moved 10x between runs); each broker also
 * competes with the other, so both p99s are higher than a broker alone would get. Used from one thread, which starts one
 * load thread per broker.
 */
final class ConcurrentRollsRun {
  private final Path root;
  private final Path out;
  private final boolean quick;
  private final ScalingSummary summary;

  ConcurrentRollsRun(Path root, Path out, boolean quick, ScalingSummary summary) {
    this.root = root;
    this.out = out;
    this.quick = quick;
    this.summary = summary;
  }

  void run(int rounds) throws Exception {
    int partitions = 4;
    int conns = 16;
    double rate = 250;
    double warm = quick ? 4 : 6;
    double measure = quick ? 10 : 30;
    String cpus = System.getenv().getOrDefault("ROLLS_BROKER_CPUS", "0");
    summary.line(String.format(Locale.ROOT, "%n== rolls-concurrent: both brokers at once on cpu %s, each open loop %.0f produce requests/s"
        + " (1 partition x 16 KiB each, %d partitions, %d connections); warm-up %.0f s, measured %.0f s", cpus, rate, partitions,
        conns, warm, measure));
    summary.line("segment.bytes  round  rolls  p50-ms  p99-ms  p99.9-ms  max-ms  answered  not-sent");
    List<String> segs = List.of("1073741824", "2097152");
    Map<String, List<Double>> p99 = new LinkedHashMap<>();
    for (int r = 1; r <= rounds; r++) {
      String opts = "-XX:MaxDirectMemorySize=512m -Xss512k " + System.getenv().getOrDefault("BENCH_BROOK_OPTS", "");
      List<PinnedBroker> runs = new ArrayList<>();
      List<RawLoad> loads = new ArrayList<>();
      try {
        for (String seg : segs) {
          PinnedBroker run = PinnedBroker.start(root, out, "brook-rolls-" + seg + "-r" + r, cpus, Map.of("log.segment.bytes", seg),
              Map.of("BROOK_OPTS", opts));
          runs.add(run);
          run.createTopic(partitions);
          loads.add(new RawLoad(HOST, run.port, produceRequests(conns, partitions, 1, 16 << 10, 100, 8), 64,
              checker(ApiKeys.PRODUCE, PRODUCE_VERSION)));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
          List<java.util.concurrent.Future<Object[]>> done = new ArrayList<>();
          for (int i = 0; i < 2; i++) {
            RawLoad load = loads.get(i);
            PinnedBroker run = runs.get(i);
            done.add(pool.submit(() -> {
              load.runOpen(rate, warm);
              long before = run.segmentFiles();
              RawLoad.Result res = load.runOpen(rate, measure);
              return new Object[] {res, run.segmentFiles() - before};
            }));
          }
          for (int i = 0; i < 2; i++) {
            Object[] o = done.get(i).get();
            RawLoad.Result res = (RawLoad.Result) o[0];
            Latencies l = res.latencies();
            p99.computeIfAbsent(segs.get(i), k -> new ArrayList<>()).add(l.percentileMillis(0.99));
            summary.line(String.format(Locale.ROOT, "%-14s %-6d %-6d %-7.2f %-7.2f %-9.2f %-7.2f %-9d %d", segs.get(i), r, (long) o[1],
                l.percentileMillis(0.5), l.percentileMillis(0.99), l.percentileMillis(0.999), l.maxMillis(), res.requests(),
                res.skipped()));
          }
        } finally {
          pool.shutdownNow();
        }
      } finally {
        for (RawLoad l : loads) l.close();
        for (PinnedBroker run : runs) run.close();
      }
    }
    StringBuilder pairs = new StringBuilder("p99 with rolls / without, per round (same 30 s):");
    for (int r = 0; r < rounds; r++) {
      pairs.append(String.format(Locale.ROOT, " %.2f", p99.get("2097152").get(r) / p99.get("1073741824").get(r)));
    }
    summary.line(pairs.toString());
  }
}
