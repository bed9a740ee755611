package dev.brook.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import static dev.brook.bench.PinnedBroker.HOST;
import static dev.brook.bench.RawRequests.*;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Issue 16's scaling figures, one command ({@code bench/scaling}): Brook's throughput with its JVM
 * pinned ({@code taskset}) to one core and then to two, under pre-built produce requests sent raw
 * by {@link RawLoad}; the broker's CPU time per request of each kind (produce, fetch, metadata,
 * offset commit) on one core, for the paper estimate of a bigger machine; and the produce latency
 * at a fixed rate with and without a segment roll every few MB. Each broker run is a fresh
 * {@code bin/brook server} on an empty directory; figures go to stdout and
 * {@code bench/out/scaling-<UTC time>/summary.txt}.
 */
public final class ScalingBench {

  private final Path root;
  private final Path out;
  private final boolean quick;
  private final StringBuilder summary = new StringBuilder();

  private ScalingBench(Path root, Path out, boolean quick) {
    this.root = root;
    this.out = out;
    this.quick = quick;
  }

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
    ScalingBench b = new ScalingBench(root.toAbsolutePath(), out, quick);
    b.line("bench/scaling at " + Instant.now() + ", generator pinned to cpu " + System.getenv().getOrDefault("GEN_CPUS", "?")
        + ", load average " + Files.readString(Path.of("/proc/loadavg")).trim());
    if (quick) rounds = 1;
    if (what.contains("scaling")) b.scaling(rounds);
    if (what.contains("costs")) b.costs();
    if (what.contains("rolls")) b.rolls(rounds, target);
    if (what.contains("rolls-concurrent")) b.rollsConcurrent(rounds);
    if (what.contains("metrics")) b.metricsOverhead(Math.max(rounds, quick ? 1 : 3));
    Files.writeString(out.resolve("summary.txt"), b.summary);
    System.out.println("kept in " + out);
  }

  private void line(String s) {
    System.out.println(s);
    System.out.flush();
    summary.append(s).append('\n');
  }

  // ------------------------------------------------------------------ the three measurements

  /** Closed-loop produce, broker on cpu 0 and then on cpus 0,1, alternating over rounds. */
  private void scaling(int rounds) throws Exception {
    int conns = 32;
    int partitions = 64;
    double warm = quick ? 4 : 8;
    double measure = quick ? 6 : 15;
    line(String.format(Locale.ROOT, "%n== scaling: produce, %d connections x window 4, %d partitions, 4 partitions x 16 KiB"
        + " batches (100 B records) per request, acks=-1; warm-up %.0f s, measured %.0f s", conns, partitions, warm, measure));
    line("cpus  round  req/s    MB/s    broker-CPU-s  broker-cores-busy  us-CPU/req  loops-us/req  generator-CPU-s");
    Map<String, List<Double>> mbps = new LinkedHashMap<>();
    Map<String, List<Double>> cpuPerReq = new LinkedHashMap<>();
    for (int r = 1; r <= rounds; r++) {
      List<String> order = r % 2 == 1 ? List.of("0", "0,1") : List.of("0,1", "0");
      for (String cpus : order) {
        try (PinnedBroker run = PinnedBroker.start(root, out, "scaling-" + cpus.replace(',', '_') + "-r" + r, cpus, Map.of())) {
          run.createTopic(partitions);
          List<List<ByteBuffer>> reqs = produceRequests(conns, partitions, 4, 16 << 10, 100, 8);
          try (RawLoad load = new RawLoad(HOST, run.port, reqs, 64, checker(ApiKeys.PRODUCE, PRODUCE_VERSION))) {
            load.runClosed(4, warm);
            double cpu0 = ProcStats.cpuSeconds(run.pid);
            double loops0 = threadCpuSeconds(run.pid, "brook-net");
            double gen0 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
            RawLoad.Result res = load.runClosed(4, measure);
            double cpu = ProcStats.cpuSeconds(run.pid) - cpu0;
            double loops = threadCpuSeconds(run.pid, "brook-net") - loops0;
            double gen = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - gen0;
            double reqPerS = res.requests() / res.seconds();
            double mb = reqPerS * requestPayloadBytes(4, 16 << 10, 100) / (1 << 20);
            mbps.computeIfAbsent(cpus, k -> new ArrayList<>()).add(mb);
            cpuPerReq.computeIfAbsent(cpus, k -> new ArrayList<>()).add(cpu / res.requests());
            line(String.format(Locale.ROOT, "%-5s %-6d %-8.0f %-7.1f %-13.2f %-18.2f %-11.1f %-13.1f %.2f", cpus, r, reqPerS, mb,
                cpu, cpu / res.seconds(), cpu / res.requests() * 1e6, loops / res.requests() * 1e6, gen));
          }
        }
      }
    }
    double one = median(mbps.get("0"));
    double two = median(mbps.get("0,1"));
    line(String.format(Locale.ROOT, "median MB/s: 1 core %.1f, 2 cores %.1f -> ratio %.2fx", one, two, two / one));
    // What each would carry with its cores to itself: cores / CPU per request (the broker's own
    // utime+stime, so other processes on the same cores and the generator do not count).
    double cap1 = 1 / median(cpuPerReq.get("0"));
    double cap2 = 2 / median(cpuPerReq.get("0,1"));
    double perReq = requestPayloadBytes(4, 16 << 10, 100) / (double) (1 << 20);
    line(String.format(Locale.ROOT, "capacity from broker CPU per request: 1 core %.0f req/s (%.0f MB/s), 2 cores %.0f req/s"
        + " (%.0f MB/s) -> ratio %.2fx", cap1, cap1 * perReq, cap2, cap2 * perReq, cap2 / cap1));
  }

  /**
   * What recording Kafka-named metrics costs the broker (issue 18): the same closed-loop produce
   * against a broker pinned to cpu 0 with metrics on (the default) and off
   * ({@code -Dbrook.metrics.enabled=false}), alternating which goes first. The broker is the bottleneck
   * (one core, the generator on another), so its throughput and its CPU per request both show the
   * cost; small requests (1 KiB batches) show it most, since the metrics cost per request, not per byte.
   */
  private void metricsOverhead(int rounds) throws Exception {
    double warm = quick ? 4 : 8;
    double measure = quick ? 6 : 15;
    int conns = 16;
    line(String.format(Locale.ROOT, "%n== metrics: produce 1 partition x 1 KiB batch per request, %d connections x window 4,"
        + " broker on cpu 0 with metrics on / off; warm-up %.0f s, measured %.0f s", conns, warm, measure));
    line("metrics  round  req/s    broker-cores-busy  us-CPU/req");
    String baseOpts = "-XX:MaxDirectMemorySize=512m -Xss512k"; // bin/brook's default BROOK_OPTS
    Map<String, List<Double>> rate = new LinkedHashMap<>();
    Map<String, List<Double>> cpuPerReq = new LinkedHashMap<>();
    // BENCH_PERF_EVENTS=instructions,task-clock: perf stat on the broker over each measured window, per request.
    String perfEvents = System.getenv("BENCH_PERF_EVENTS");
    Map<String, List<Double>> perEvent = new LinkedHashMap<>();
    for (int r = 1; r <= rounds; r++) {
      List<String> order = r % 2 == 1 ? List.of("on", "off") : List.of("off", "on");
      for (String mode : order) {
        String opts = (mode.equals("on") ? baseOpts : baseOpts + " -Dbrook.metrics.enabled=false")
            + " " + System.getenv().getOrDefault("BENCH_BROOK_OPTS", ""); // e.g. a profiler's flags
        try (PinnedBroker run = PinnedBroker.start(root, out, "metrics-" + mode + "-r" + r, "0", Map.of(), Map.of("BROOK_OPTS", opts))) {
          run.createTopic(64);
          try (RawLoad load = new RawLoad(HOST, run.port, produceRequests(conns, 64, 1, 1 << 10, 100, 8), 64,
              checker(ApiKeys.PRODUCE, PRODUCE_VERSION))) {
            load.runClosed(4, warm);
            PerfStat perf = perfEvents == null ? null : PerfStat.attach(run.pid, perfEvents, out);
            double cpu0 = ProcStats.cpuSeconds(run.pid);
            RawLoad.Result res = load.runClosed(4, measure);
            double cpu = ProcStats.cpuSeconds(run.pid) - cpu0;
            Map<String, Double> counts = perf == null ? Map.of() : perf.stop();
            double reqPerS = res.requests() / res.seconds();
            rate.computeIfAbsent(mode, k -> new ArrayList<>()).add(reqPerS);
            cpuPerReq.computeIfAbsent(mode, k -> new ArrayList<>()).add(cpu / res.requests() * 1e6);
            StringBuilder perReq = new StringBuilder();
            counts.forEach((event, v) -> {
              perEvent.computeIfAbsent(event + " " + mode, k -> new ArrayList<>()).add(v / res.requests());
              perReq.append(String.format(Locale.ROOT, "  %s/req %.4g", event, v / res.requests()));
            });
            line(String.format(Locale.ROOT, "%-8s %-6d %-8.0f %-18.2f %.1f%s", mode, r, reqPerS, cpu / res.seconds(),
                cpu / res.requests() * 1e6, perReq));
          }
        }
      }
    }
    double on = median(rate.get("on"));
    double off = median(rate.get("off"));
    line(String.format(Locale.ROOT, "median req/s: on %.0f, off %.0f -> on/off %.3f; median us CPU/req: on %.1f, off %.1f -> %.3f",
        on, off, on / off, median(cpuPerReq.get("on")), median(cpuPerReq.get("off")),
        median(cpuPerReq.get("on")) / median(cpuPerReq.get("off"))));
    // The per-round ratios (each round runs on and off back to back), with a 95 % interval of their
    // mean: the rounds' spread, not the medians alone, says what this run can resolve.
    List<Double> cpuRatio = new ArrayList<>();
    List<Double> rateRatio = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      cpuRatio.add(cpuPerReq.get("on").get(i) / cpuPerReq.get("off").get(i));
      rateRatio.add(rate.get("on").get(i) / rate.get("off").get(i));
    }
    line(String.format(Locale.ROOT, "per-round on/off: CPU/req %s; req/s %s", meanAndInterval(cpuRatio), meanAndInterval(rateRatio)));
    line(String.format(Locale.ROOT, "us CPU/req with metrics off: %s", meanAndInterval(cpuPerReq.get("off"))));
    perEvent.forEach((eventMode, v) -> line(String.format(Locale.ROOT, "perf %s per request: %s", eventMode, meanAndInterval(v))));
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

  /** Broker CPU per request of each kind, broker pinned to cpu 0, closed loop. */
  private void costs() throws Exception {
    double warm = quick ? 3 : 6;
    double measure = quick ? 5 : 10;
    line(String.format(Locale.ROOT, "%n== costs: broker on cpu 0, closed loop, 16 connections x window 4; warm-up %.0f s, measured %.0f s", warm, measure));
    line("request                                   req/s    broker-cores-busy  us-CPU/req  loop-us/req  us-CPU/MiB  coordinator-us/req");
    try (PinnedBroker run = PinnedBroker.start(root, out, "costs", "0", Map.of())) {
      run.createTopic(64);
      int conns = 16;
      cost(run, "produce 1 partition x 1 KiB batch", produceRequests(conns, 64, 1, 1 << 10, 100, 8),
          requestPayloadBytes(1, 1 << 10, 100), ApiKeys.PRODUCE, PRODUCE_VERSION, warm, measure);
      cost(run, "produce 1 partition x 16 KiB batch", produceRequests(conns, 64, 1, 16 << 10, 100, 8),
          requestPayloadBytes(1, 16 << 10, 100), ApiKeys.PRODUCE, PRODUCE_VERSION, warm, measure);
      cost(run, "produce 4 partitions x 4 KiB batches", produceRequests(conns, 64, 4, 4 << 10, 100, 8),
          requestPayloadBytes(4, 4 << 10, 100), ApiKeys.PRODUCE, PRODUCE_VERSION, warm, measure);
      cost(run, "produce 4 partitions x 16 KiB batches", produceRequests(conns, 64, 4, 16 << 10, 100, 8),
          requestPayloadBytes(4, 16 << 10, 100), ApiKeys.PRODUCE, PRODUCE_VERSION, warm, measure);
      cost(run, "produce 1 partition x 256 KiB batch", produceRequests(conns, 64, 1, 256 << 10, 1024, 2),
          requestPayloadBytes(1, 256 << 10, 1024), ApiKeys.PRODUCE, PRODUCE_VERSION, warm, measure);
      cost(run, "fetch 4 partitions x 64 KiB (page cache)", fetchRequests(conns, 64, 4, 64 << 10), 4 * (64 << 10),
          ApiKeys.FETCH, FETCH_VERSION, warm, measure);
      cost(run, "metadata (1 topic, 64 partitions)", metadataRequests(conns), 0, ApiKeys.METADATA, METADATA_VERSION, warm, measure);
      run.awaitCommitsAccepted();
      cost(run, "offset commit (1 partition)", commitRequests(conns), 0, ApiKeys.OFFSET_COMMIT, COMMIT_VERSION, warm, measure);
    }
  }

  private void cost(PinnedBroker run, String name, List<List<ByteBuffer>> reqs, long bytesPerRequest, ApiKeys key, short version,
      double warm, double measure) throws Exception {
    try (RawLoad load = new RawLoad(HOST, run.port, reqs, 64, checker(key, version))) {
      load.runClosed(4, warm);
      double cpu0 = ProcStats.cpuSeconds(run.pid);
      double loops0 = threadCpuSeconds(run.pid, "brook-net");
      double coord0 = threadCpuSeconds(run.pid, "group-coordinat");
      RawLoad.Result res = load.runClosed(4, measure);
      double cpu = ProcStats.cpuSeconds(run.pid) - cpu0;
      double loops = threadCpuSeconds(run.pid, "brook-net") - loops0;
      double coord = threadCpuSeconds(run.pid, "group-coordinat") - coord0;
      double perReq = cpu / res.requests() * 1e6;
      String perMiB = bytesPerRequest == 0 ? "-" : String.format(Locale.ROOT, "%.0f", perReq * (1 << 20) / bytesPerRequest);
      line(String.format(Locale.ROOT, "%-41s %-8.0f %-18.2f %-11.1f %-12.1f %-11s %.1f", name, res.requests() / res.seconds(),
          cpu / res.seconds(), perReq, loops / res.requests() * 1e6, perMiB, coord / res.requests() * 1e6));
    }
  }

  /**
   * Open-loop produce at a fixed rate, broker on cpu 0: latency send to ack with the default
   * segment size (no roll in the run) and with log.segment.bytes=2 MiB (a roll every 2 MiB of a
   * partition, about one a second per partition), alternating.
   */
  private void rolls(int rounds, String target) throws Exception {
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
    line(String.format(Locale.ROOT, "%n== rolls: open loop %.0f produce requests/s (1 partition x 16 KiB each, %d partitions,"
        + " %d connections), %s on cpu %s; warm-up %.0f s, measured %.0f s", rate, partitions, conns, target, cpus, warm, measure));
    line("segment.bytes  round  rolls  p50-ms  p99-ms  p99.9-ms  max-ms  answered  not-sent");
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
            line(String.format(Locale.ROOT, "%-14s %-6d %-6d %-7.2f %-7.2f %-9.2f %-7.2f %-9d %d", seg, r, rolls,
                l.percentileMillis(0.5), l.percentileMillis(0.99), l.percentileMillis(0.999), l.maxMillis(), res.requests(),
                res.skipped()));
          }
        }
      }
    }
    double none = median(p99.get("1073741824"));
    double rolling = median(p99.get("2097152"));
    line(String.format(Locale.ROOT, "median p99: no rolls %.2f ms, rolls every 2 MiB %.2f ms -> %.2fx", none, rolling, rolling / none));
    // Pair by pair: the two runs of a round are minutes apart, so they share most of the machine's load.
    StringBuilder pairs = new StringBuilder("p99 with rolls / without, per round:");
    for (int r = 0; r < rounds; r++) {
      pairs.append(String.format(Locale.ROOT, " %.2f", p99.get("2097152").get(r) / p99.get("1073741824").get(r)));
    }
    line(pairs.toString());
  }

  /**
   * The rolls comparison with both brokers running at once: the broker with the default segment
   * size and the one with a roll every 2 MiB, each on {@code ROLLS_BROKER_CPUS} (default cpu 0), each
   * under the same open-loop load from its own generator thread, measured over the same 30 s. On a
   * machine shared with other work the two p99s then see the same load, which run-after-run pairs
   * minutes apart do not (their p99 without rolls alone moved 10x between runs); each broker also
   * competes with the other, so both p99s are higher than a broker alone would get.
   */
  private void rollsConcurrent(int rounds) throws Exception {
    int partitions = 4;
    int conns = 16;
    double rate = 250;
    double warm = quick ? 4 : 6;
    double measure = quick ? 10 : 30;
    String cpus = System.getenv().getOrDefault("ROLLS_BROKER_CPUS", "0");
    line(String.format(Locale.ROOT, "%n== rolls-concurrent: both brokers at once on cpu %s, each open loop %.0f produce requests/s"
        + " (1 partition x 16 KiB each, %d partitions, %d connections); warm-up %.0f s, measured %.0f s", cpus, rate, partitions,
        conns, warm, measure));
    line("segment.bytes  round  rolls  p50-ms  p99-ms  p99.9-ms  max-ms  answered  not-sent");
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
            line(String.format(Locale.ROOT, "%-14s %-6d %-6d %-7.2f %-7.2f %-9.2f %-7.2f %-9d %d", segs.get(i), r, (long) o[1],
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
    line(pairs.toString());
  }


  /**
   * utime+stime of the threads of {@code pid} whose name starts with {@code prefix} (Linux keeps 15
   * characters of a thread's name), in seconds.
   */
  static double threadCpuSeconds(long pid, String prefix) throws IOException {
    double sum = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks.toList()) {
        try {
          if (!Files.readString(t.resolve("comm")).startsWith(prefix)) continue;
          String[] f = ProcStats.statFields(Files.readString(t.resolve("stat")));
          sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / ProcStats.TICKS_PER_SECOND;
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

}
