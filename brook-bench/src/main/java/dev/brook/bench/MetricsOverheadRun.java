package dev.brook.bench;

import static dev.brook.bench.PinnedBroker.HOST;
import static dev.brook.bench.RawRequests.PRODUCE_VERSION;
import static dev.brook.bench.RawRequests.checker;
import static dev.brook.bench.RawRequests.produceRequests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The {@code metrics} run of {@code bench/scaling}: what recording Kafka-named metrics costs the broker (issue 18): the same closed-loop produce
 * against a broker pinned to cpu 0 with metrics on (the default) and off
 * ({@code -Dbrook.metrics.enabled=false}), alternating which goes first. The broker is the bottleneck
 * (one core, the generator on another), so its throughput and its CPU per request both show the
 * cost; small requests (1 KiB batches) show it most, since the metrics cost per request, not per byte. Used from one
 * thread.
 */
final class MetricsOverheadRun {
  private final Path root;
  private final Path out;
  private final boolean quick;
  private final ScalingSummary summary;

  MetricsOverheadRun(Path root, Path out, boolean quick, ScalingSummary summary) {
    this.root = root;
    this.out = out;
    this.quick = quick;
    this.summary = summary;
  }

  void run(int rounds) throws Exception {
    double warm = quick ? 4 : 8;
    double measure = quick ? 6 : 15;
    int conns = 16;
    summary.line(String.format(Locale.ROOT, "%n== metrics: produce 1 partition x 1 KiB batch per request, %d connections x window 4,"
        + " broker on cpu 0 with metrics on / off; warm-up %.0f s, measured %.0f s", conns, warm, measure));
    summary.line("metrics  round  req/s    broker-cores-busy  us-CPU/req");
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
            summary.line(String.format(Locale.ROOT, "%-8s %-6d %-8.0f %-18.2f %.1f%s", mode, r, reqPerS, cpu / res.seconds(),
                cpu / res.requests() * 1e6, perReq));
          }
        }
      }
    }
    double on = RoundStatistics.median(rate.get("on"));
    double off = RoundStatistics.median(rate.get("off"));
    summary.line(String.format(Locale.ROOT, "median req/s: on %.0f, off %.0f -> on/off %.3f; median us CPU/req: on %.1f, off %.1f -> %.3f",
        on, off, on / off, RoundStatistics.median(cpuPerReq.get("on")), RoundStatistics.median(cpuPerReq.get("off")),
        RoundStatistics.median(cpuPerReq.get("on")) / RoundStatistics.median(cpuPerReq.get("off"))));
    // The per-round ratios (each round runs on and off back to back), with a 95 % interval of their
    // mean: the rounds' spread, not the medians alone, says what this run can resolve.
    List<Double> cpuRatio = new ArrayList<>();
    List<Double> rateRatio = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      cpuRatio.add(cpuPerReq.get("on").get(i) / cpuPerReq.get("off").get(i));
      rateRatio.add(rate.get("on").get(i) / rate.get("off").get(i));
    }
    summary.line(String.format(Locale.ROOT, "per-round on/off: CPU/req %s; req/s %s", RoundStatistics.meanAndInterval(cpuRatio), RoundStatistics.meanAndInterval(rateRatio)));
    summary.line(String.format(Locale.ROOT, "us CPU/req with metrics off: %s", RoundStatistics.meanAndInterval(cpuPerReq.get("off"))));
    perEvent.forEach((eventMode, v) -> summary.line(String.format(Locale.ROOT, "perf %s per request: %s", eventMode, RoundStatistics.meanAndInterval(v))));
  }
}
