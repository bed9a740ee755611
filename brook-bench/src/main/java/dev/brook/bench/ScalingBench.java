package dev.brook.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 16's scaling figures, one command ({@code bench/scaling}): Brook's throughput with its JVM
 * pinned ({@code taskset}) to one core and then to two ({@link CoreScalingRun}), under pre-built
 * requests ({@link RawRequests}) sent raw by {@link RawLoad}; the broker's CPU time per request of
 * each kind on one core, for the paper estimate of a bigger machine ({@link RequestCostRun}); the
 * produce latency at a fixed rate with and without a segment roll every few MB ({@link
 * RollLatencyRun}, {@link ConcurrentRollsRun}); and what metrics cost ({@link MetricsOverheadRun}).
 * Each broker run is a fresh {@link PinnedBroker} on an empty directory; figures go to stdout and
 * {@code bench/out/scaling-<UTC time>/summary.txt} ({@link ScalingSummary}). This class only reads
 * the options and calls the runs in a fixed order.
 */
public final class ScalingBench {
  private ScalingBench() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(".");
    boolean quick = false;
    List<String> what = new ArrayList<>(List.of("scaling", "costs", "rolls"));
    int rounds = 2;
    String target = "brook";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--root" -> root = Path.of(args[++i]);
        case "--quick" -> quick = true;
        case "--only" -> what = List.of(args[++i].split(","));
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--target" -> target = args[++i];
        case "--help" -> {
          System.out.println("bench/scaling [--quick] [--only scaling,costs,rolls,rolls-concurrent,metrics] [--rounds N] [--target brook|kafka (rolls)]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    Path out = root.resolve("bench/out/scaling-" + stamp);
    Files.createDirectories(out);
    Path abs = root.toAbsolutePath();
    ScalingSummary summary = new ScalingSummary();
    summary.line("bench/scaling at " + Instant.now() + ", generator pinned to cpu " + System.getenv().getOrDefault("GEN_CPUS", "?")
        + ", load average " + Files.readString(Path.of("/proc/loadavg")).trim());
    if (quick) rounds = 1;
    if (what.contains("scaling")) new CoreScalingRun(abs, out, quick, summary).run(rounds);
    if (what.contains("costs")) new RequestCostRun(abs, out, quick, summary).run();
    if (what.contains("rolls")) new RollLatencyRun(abs, out, quick, summary).run(rounds, target);
    if (what.contains("rolls-concurrent")) new ConcurrentRollsRun(abs, out, quick, summary).run(rounds);
    if (what.contains("metrics")) new MetricsOverheadRun(abs, out, quick, summary).run(Math.max(rounds, quick ? 1 : 3));
    summary.writeTo(out.resolve("summary.txt"));
    System.out.println("kept in " + out);
  }
}
