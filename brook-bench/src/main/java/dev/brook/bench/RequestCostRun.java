package dev.brook.bench;

import static dev.brook.bench.PinnedBroker.HOST;
import static dev.brook.bench.RawRequests.COMMIT_VERSION;
import static dev.brook.bench.RawRequests.FETCH_VERSION;
import static dev.brook.bench.RawRequests.METADATA_VERSION;
import static dev.brook.bench.RawRequests.PRODUCE_VERSION;
import static dev.brook.bench.RawRequests.checker;
import static dev.brook.bench.RawRequests.commitRequests;
import static dev.brook.bench.RawRequests.fetchRequests;
import static dev.brook.bench.RawRequests.metadataRequests;
import static dev.brook.bench.RawRequests.produceRequests;
import static dev.brook.bench.RawRequests.requestPayloadBytes;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The {@code costs} run of {@code bench/scaling}: the broker's CPU per request of each kind (produce
 * of several shapes, fetch from the page cache, metadata, offset commit), one broker pinned to cpu 0
 * under a closed loop of 16 connections x window 4, with the network loops' and the group
 * coordinator's share; the figures for the paper estimate of a bigger machine. Used from one thread.
 */
final class RequestCostRun {
  private final Path root;
  private final Path out;
  private final boolean quick;
  private final ScalingSummary summary;

  RequestCostRun(Path root, Path out, boolean quick, ScalingSummary summary) {
    this.root = root;
    this.out = out;
    this.quick = quick;
    this.summary = summary;
  }

  void run() throws Exception {
    double warm = quick ? 3 : 6;
    double measure = quick ? 5 : 10;
    summary.line(String.format(Locale.ROOT, "%n== costs: broker on cpu 0, closed loop, 16 connections x window 4; warm-up %.0f s, measured %.0f s", warm, measure));
    summary.line("request                                   req/s    broker-cores-busy  us-CPU/req  loop-us/req  us-CPU/MiB  coordinator-us/req");
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
      double loops0 = ProcStats.threadCpuSeconds(run.pid, "brook-net");
      double coord0 = ProcStats.threadCpuSeconds(run.pid, "group-coordinat");
      RawLoad.Result res = load.runClosed(4, measure);
      double cpu = ProcStats.cpuSeconds(run.pid) - cpu0;
      double loops = ProcStats.threadCpuSeconds(run.pid, "brook-net") - loops0;
      double coord = ProcStats.threadCpuSeconds(run.pid, "group-coordinat") - coord0;
      double perReq = cpu / res.requests() * 1e6;
      String perMiB = bytesPerRequest == 0 ? "-" : String.format(Locale.ROOT, "%.0f", perReq * (1 << 20) / bytesPerRequest);
      summary.line(String.format(Locale.ROOT, "%-41s %-8.0f %-18.2f %-11.1f %-12.1f %-11s %.1f", name, res.requests() / res.seconds(),
          cpu / res.seconds(), perReq, loops / res.requests() * 1e6, perMiB, coord / res.requests() * 1e6));
    }
  }
}
