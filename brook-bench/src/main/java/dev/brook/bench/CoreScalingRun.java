package dev.brook.bench;

import static dev.brook.bench.PinnedBroker.HOST;
import static dev.brook.bench.RawRequests.PRODUCE_VERSION;
import static dev.brook.bench.RawRequests.checker;
import static dev.brook.bench.RawRequests.produceRequests;
import static dev.brook.bench.RawRequests.requestPayloadBytes;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The {@code scaling} run of {@code bench/scaling}: closed-loop produce (32 connections x window 4,
 * 64 partitions, 4 x 16 KiB batches per request, acks=-1) against a broker pinned to cpu 0 and then
 * to cpus 0,1, alternating which goes first each round; prints throughput, the broker's CPU per
 * request, its network loops' share and the generator's CPU, then the medians and the capacity each
 * core count implies from CPU per request. Used from one thread.
 */
final class CoreScalingRun {
  private final Path root;
  private final Path out;
  private final boolean quick;
  private final ScalingSummary summary;

  CoreScalingRun(Path root, Path out, boolean quick, ScalingSummary summary) {
    this.root = root;
    this.out = out;
    this.quick = quick;
    this.summary = summary;
  }

  void run(int rounds) throws Exception {
    int conns = 32;
    int partitions = 64;
    double warm = quick ? 4 : 8;
    double measure = quick ? 6 : 15;
    summary.line(String.format(Locale.ROOT, "%n== scaling: produce, %d connections x window 4, %d partitions, 4 partitions x 16 KiB"
        + " batches (100 B records) per request, acks=-1; warm-up %.0f s, measured %.0f s", conns, partitions, warm, measure));
    summary.line("cpus  round  req/s    MB/s    broker-CPU-s  broker-cores-busy  us-CPU/req  loops-us/req  generator-CPU-s");
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
            double loops0 = ProcStats.threadCpuSeconds(run.pid, "brook-net");
            double gen0 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
            RawLoad.Result res = load.runClosed(4, measure);
            double cpu = ProcStats.cpuSeconds(run.pid) - cpu0;
            double loops = ProcStats.threadCpuSeconds(run.pid, "brook-net") - loops0;
            double gen = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - gen0;
            double reqPerS = res.requests() / res.seconds();
            double mb = reqPerS * requestPayloadBytes(4, 16 << 10, 100) / (1 << 20);
            mbps.computeIfAbsent(cpus, k -> new ArrayList<>()).add(mb);
            cpuPerReq.computeIfAbsent(cpus, k -> new ArrayList<>()).add(cpu / res.requests());
            summary.line(String.format(Locale.ROOT, "%-5s %-6d %-8.0f %-7.1f %-13.2f %-18.2f %-11.1f %-13.1f %.2f", cpus, r, reqPerS, mb,
                cpu, cpu / res.seconds(), cpu / res.requests() * 1e6, loops / res.requests() * 1e6, gen));
          }
        }
      }
    }
    double one = RoundStatistics.median(mbps.get("0"));
    double two = RoundStatistics.median(mbps.get("0,1"));
    summary.line(String.format(Locale.ROOT, "median MB/s: 1 core %.1f, 2 cores %.1f -> ratio %.2fx", one, two, two / one));
    // What each would carry with its cores to itself: cores / CPU per request (the broker's own
    // utime+stime, so other processes on the same cores and the generator do not count).
    double cap1 = 1 / RoundStatistics.median(cpuPerReq.get("0"));
    double cap2 = 2 / RoundStatistics.median(cpuPerReq.get("0,1"));
    double perReq = requestPayloadBytes(4, 16 << 10, 100) / (double) (1 << 20);
    summary.line(String.format(Locale.ROOT, "capacity from broker CPU per request: 1 core %.0f req/s (%.0f MB/s), 2 cores %.0f req/s"
        + " (%.0f MB/s) -> ratio %.2fx", cap1, cap1 * perReq, cap2, cap2 * perReq, cap2 / cap1));
  }
}
