package dev.brook.bench;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.replica.BrokerConnector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The side-by-side benchmark of issue 7: Brook and Apache Kafka 4.1.1 on the same machine in the same
 * run, one broker at a time, alternating which goes first in each round, both driven by the same
 * clients: Kafka's own tools, and brook-bench's {@link PipelinedFetchLoad}. Each broker run starts the
 * broker fresh and measures, in order: startup to the first Metadata answer, idle RSS, three produce
 * workloads (with the broker's CPU time over them), consume with Kafka's ConsumerPerformance (which
 * bounds the figure on this machine: it decodes every record), consume with the pipelined fetch load
 * (with the broker's CPU time over it), end-to-end latency and peak RSS. Then it prints the medians
 * and the median of the per-round ratios Brook/Kafka, and writes CSV, a PNG chart and the generated
 * part of bench/RESULTS.md.
 *
 * <p>Run it with {@code bench/run} (see {@link BenchOptions#USAGE}).
 */
public final class SideBySide {
  private static final double GIB = 1L << 30;
  private static final double MB = 1L << 20;
  private static final String T100 = "bench-p100";
  private static final String T1K = "bench-p1k";
  private static final String T8P = "bench-p8";
  private static final String TE2E = "bench-e2e";
  private static final String TFETCH = "bench-fetch";
  // The pipelined consume: 16 partitions filled with 16 KiB batches of 100 B records (4 connections x 5
  // in flight, as bench/sasl-ssl's produce load), read by 4 connections x 4 requests in flight, one
  // partition a request, 1 MiB a partition (a consumer's max.partition.fetch.bytes).
  private static final int FETCH_PARTITIONS = 16;
  private static final int FETCH_CONNECTIONS = 4;
  private static final int FETCH_WINDOW = 4;
  private static final int FETCH_PARTITION_MAX_BYTES = 1 << 20;
  // The same read with 64 KiB answers: 16 times the requests per GiB, so the brokers' per-request work
  // shows, where 1 MiB answers leave little but the kernel's sendfile and loopback TCP to measure.
  private static final int FETCH_SMALL_PARTITION_MAX_BYTES = 64 * 1024;
  private static final int FILL_BATCH_BYTES = 16 * 1024;
  private static final int FILL_RECORD_BYTES = 100;
  private static final double FETCH_WARMUP_SECONDS = 3;

  private final BenchOptions opts;
  private final Env env;
  private final KafkaTools tools;
  private final Measurements results;
  private final Path work;
  private volatile BrokerProcess running;

  private SideBySide(BenchOptions opts, Env env, Path work) {
    this.opts = opts;
    this.env = env;
    this.tools = new KafkaTools(env);
    this.results = new Measurements(opts.rounds());
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    BenchOptions opts;
    try {
      if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
        System.out.print(BenchOptions.USAGE);
        return;
      }
      opts = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    Path javaHome = Path.of(System.getProperty("java.home"));
    Files.createDirectories(opts.out());
    Path work = Files.createTempDirectory("brook-bench-");
    Env env = new Env(opts.root(), opts.anchorScript(), work.resolve("tools"), javaHome, opts.kafkaJavaHome(), javaHome);
    SideBySide bench = new SideBySide(opts, env, work);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::stopRunning, "bench-stop"));
    try {
      bench.run();
    } finally {
      deleteTree(work);
    }
  }

  private void run() throws Exception {
    MachineInfo machineAtStart = MachineInfo.read(env);
    Instant started = Instant.now();
    log("out: " + opts.out());
    log("machine: " + machineAtStart.summary());
    log("sizes: " + opts.sizes());
    env.prepareTools(Path.of("/tmp/kafka-anchor/cp.txt"));
    MetadataProbe.warmUp();
    if (opts.prime()) {
      for (String b : opts.brokers()) {
        prime(b);
      }
    }
    for (int round = 0; round < opts.rounds(); round++) {
      List<String> order = new ArrayList<>(opts.brokers());
      if (round % 2 == 1) {
        order = order.reversed();
      }
      for (String b : order) {
        runBroker(b, round);
      }
      if (round + 1 < opts.rounds()) {
        // a long run that is stopped early still leaves the rounds it completed
        writeReports(machineAtStart, started, round + 1, false);
      }
    }
    writeReports(machineAtStart, started, opts.rounds(), true);
  }

  private void writeReports(MachineInfo machineAtStart, Instant started, int roundsDone, boolean print)
      throws IOException {
    MachineInfo machineNow = MachineInfo.read(env);
    Report report = new Report(opts, results, machineAtStart, machineNow, started, Instant.now(), roundsDone);
    if (print) {
      System.out.println();
      System.out.println(report.textTable());
    }
    report.writeCsv(opts.out().resolve("results.csv"), opts.out().resolve("summary.csv"));
    Path png = opts.out().resolve("ratios.png");
    RatioChart.write(results, report.title(), png);
    log("wrote " + opts.out().resolve("summary.csv") + ", results.csv, ratios.png after " + roundsDone + " of "
        + opts.rounds() + " round(s)");
    if (opts.results() != null) {
      Path committedPng = opts.results().resolveSibling("RESULTS.png");
      Files.copy(png, committedPng, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      report.updateResultsFile(opts.results(), committedPng.getFileName().toString());
      log("updated " + opts.results() + " and " + committedPng);
    }
  }

  /** One unmeasured start and stop: warms the page cache and lets bin/brook create its CDS archive. */
  private void prime(String broker) throws Exception {
    log(broker + ": priming start (not measured)");
    BrokerProcess b = start(broker, "prime");
    try {
      MetadataProbe.awaitUp(BrokerProcess.HOST, b.port(), Duration.ofMinutes(3), b::alive);
    } catch (IllegalStateException e) {
      log(broker + ": priming start failed: " + e.getMessage() + "\n  server log tail:\n"
          + ToolOutput.tail(serverLog(broker, "prime")).indent(4));
    } finally {
      stop(b, "prime");
    }
  }

  private BrokerProcess start(String broker, String label) throws IOException {
    Path dir = work.resolve(broker + "-" + label);
    Path log = opts.out().resolve("logs").resolve(label + "-" + broker + "-server.log");
    Files.createDirectories(log.getParent());
    BrokerProcess b = broker.equals(Measurements.BROOK)
        ? BrokerProcess.Brook.start(opts.root(), dir.resolve("data"), log, env)
        : BrokerProcess.Kafka.start(dir, log, env);
    running = b;
    return b;
  }

  private void stop(BrokerProcess b, String label) throws InterruptedException {
    b.stop();
    running = null;
    Path dir = work.resolve(b.name() + "-" + label);
    Path kafkaOut = dir.resolve("kafka.out"); // Kafka's own log, written by the anchor script
    if (Files.exists(kafkaOut)) {
      try {
        Files.copy(kafkaOut, opts.out().resolve("logs").resolve(label + "-kafka-kafka.out"));
      } catch (IOException e) {
        log("could not keep " + kafkaOut + ": " + e.getMessage());
      }
    }
    deleteTree(dir);
  }

  private void stopRunning() {
    BrokerProcess b = running;
    if (b != null) {
      try {
        b.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * One measured broker run. A broker that does not come up at all is retried once, with a fresh directory
   * and port, and the failure is logged: on a loaded machine Kafka occasionally misses the anchor script's
   * 60 s budget, and a missing round weakens every ratio.
   */
  private void runBroker(String broker, int round) throws Exception {
    String label = "r" + (round + 1);
    if (!measureBroker(broker, round, label)) {
      log(broker + " round " + (round + 1) + ": did not start; retrying once with a fresh directory and port");
      measureBroker(broker, round, label + "-retry");
    }
  }

  /** False only when the broker never answered Metadata; every other failure is logged and measured around. */
  private boolean measureBroker(String broker, int round, String label) throws Exception {
    log(broker + " round " + (round + 1) + ": starting");
    BrokerProcess b = start(broker, label);
    try {
      double upAt;
      try {
        upAt = MetadataProbe.awaitUp(BrokerProcess.HOST, b.port(), Duration.ofMinutes(3), b::alive);
      } catch (IllegalStateException e) {
        log(broker + " round " + (round + 1) + ": broker failed to start: " + e.getMessage() + "\n  server log tail:\n"
            + ToolOutput.tail(serverLog(broker, label)).indent(4));
        return false;
      }
      long pid = b.pid();
      double startupMs = (upAt - ProcStats.startedAtUptime(pid)) * 1000;
      String brookLog = broker.equals(Measurements.BROOK) ? serverLog(broker, label) : "";
      if (brookLog.contains("brook: building") || brookLog.contains("brook: training")) {
        log("brook: bin/brook rebuilt itself or trained its AOT cache before starting; startup not recorded"
            + " (bench/run builds first, and its priming start trains the cache)");
      } else {
        put(b, Metric.STARTUP, round, startupMs);
      }
      log(String.format("%s round %d: up in %.0f ms (pid %d, port %d)", broker, round + 1, startupMs, pid, b.port()));
      Thread.sleep(opts.settleSeconds() * 1000L);
      put(b, Metric.IDLE_RSS, round, ProcStats.rssBytes(pid) / MB);
      runWorkloads(b, pid, round, label);
      if (b.alive()) {
        put(b, Metric.PEAK_RSS, round, ProcStats.peakRssBytes(pid) / MB);
      }
    } catch (RuntimeException e) {
      log(broker + " round " + (round + 1) + ": broker failed: " + e.getMessage() + "\n  server log tail:\n"
          + ToolOutput.tail(serverLog(broker, label)).indent(4));
    } finally {
      stop(b, label);
    }
    return true;
  }

  private void runWorkloads(BrokerProcess b, long pid, int round, String label) throws InterruptedException {
    String bs = b.bootstrap();
    Path logs = opts.out().resolve("logs");
    String prefix = label + "-" + b.name() + "-";
    for (String[] t : new String[][] {{T100, "1"}, {T1K, "1"}, {T8P, "8"}, {TE2E, "1"},
        {TFETCH, Integer.toString(FETCH_PARTITIONS)}}) {
      attempt(b, round, "create topic " + t[0],
          () -> tools.createTopic(logs.resolve(prefix + "create-" + t[0] + ".log"), bs, t[0], Integer.parseInt(t[1])));
    }
    double cpu0 = ProcStats.cpuSeconds(pid);
    boolean p1 = attempt(b, round, "produce 100 B", () -> produce(b, round, logs.resolve(prefix + "produce-100b.log"),
        T100, opts.records100b(), 100, Metric.PRODUCE_100B_RPS, Metric.PRODUCE_100B_MBPS, Metric.PRODUCE_100B_P50,
        Metric.PRODUCE_100B_P99));
    boolean p2 = attempt(b, round, "produce 1 KiB", () -> produce(b, round, logs.resolve(prefix + "produce-1k.log"),
        T1K, opts.records1k(), 1024, Metric.PRODUCE_1K_RPS, Metric.PRODUCE_1K_MBPS, Metric.PRODUCE_1K_P50,
        Metric.PRODUCE_1K_P99));
    boolean p3 = attempt(b, round, "produce 8p 1 KiB", () -> produce(b, round, logs.resolve(prefix + "produce-8p.log"),
        T8P, opts.records8p(), 1024, Metric.PRODUCE_8P_RPS, Metric.PRODUCE_8P_MBPS, null, Metric.PRODUCE_8P_P99));
    if (b.alive()) {
      double cpu = ProcStats.cpuSeconds(pid) - cpu0;
      double bytes = opts.records100b() * 100.0 + (opts.records1k() + opts.records8p()) * 1024.0;
      log(String.format("%s round %d: %.1f CPU s over %.2f GiB produced", b.name(), round + 1, cpu, bytes / GIB));
      if (p1 && p2 && p3) {
        put(b, Metric.CPU_PER_GIB, round, cpu / (bytes / GIB));
      }
    }
    attempt(b, round, "consume", () -> {
      ToolOutput.Consume c = ToolOutput.consume(tools.run(logs.resolve(prefix + "consume.log"), toolTimeout(),
          KafkaTools.CONSUMER_PERFORMANCE, List.of("--bootstrap-server", bs, "--topic", T100,
              "--messages", Long.toString(opts.records100b()), "--timeout", "60000")));
      if (c.records() < opts.records100b()) {
        throw new IOException("consumed " + c.records() + " of " + opts.records100b() + " records");
      }
      put(b, Metric.CONSUME_RPS, round, c.recordsPerSec());
      put(b, Metric.CONSUME_MBPS, round, c.mbPerSec());
      put(b, Metric.CONSUME_FETCH_RPS, round, c.fetchRecordsPerSec());
      log(String.format("%s round %d: consume %,.0f records/s (%.1f MB/s; group join %d ms)", b.name(), round + 1,
          c.recordsPerSec(), c.mbPerSec(), c.rebalanceMs()));
    });
    attempt(b, round, "pipelined consume", () -> pipelinedConsume(b, pid, round));
    attempt(b, round, "end-to-end latency", () -> {
      String out;
      try {
        out = tools.run(logs.resolve(prefix + "e2e.log"), toolTimeout(), KafkaTools.END_TO_END_LATENCY,
            List.of(bs, TE2E, Integer.toString(opts.e2eMessages()), "all", "1024"));
      } catch (KafkaTools.ToolFailed e) {
        // The tool prints its summary before closing its clients; a failure while closing (for example a
        // broker without group coordination) does not change what was measured, but it is reported.
        if (!e.output().contains("Percentiles: ")) {
          throw e;
        }
        log(b.name() + " round " + (round + 1) + ": WARNING EndToEndLatency failed after printing its summary; "
            + "using the summary. " + e.getMessage());
        out = e.output();
      }
      ToolOutput.Latency l = ToolOutput.latency(out);
      put(b, Metric.E2E_AVG, round, l.avgMs());
      put(b, Metric.E2E_P50, round, l.p50Ms());
      put(b, Metric.E2E_P99, round, l.p99Ms());
      put(b, Metric.E2E_P999, round, l.p999Ms());
      log(String.format("%s round %d: end-to-end avg %.2f ms, p50 %.0f, p99 %.0f, p99.9 %.0f ms", b.name(), round + 1,
          l.avgMs(), l.p50Ms(), l.p99Ms(), l.p999Ms()));
    });
  }

  private void produce(BrokerProcess b, int round, Path log, String topic, long records, int size, Metric rps,
      Metric mbps, Metric p50, Metric p99) throws IOException, InterruptedException {
    ToolOutput.Produce p = ToolOutput.produce(tools.run(log, toolTimeout(), KafkaTools.PRODUCER_PERFORMANCE,
        List.of("--topic", topic, "--num-records", Long.toString(records), "--record-size", Integer.toString(size),
            "--throughput", "-1", "--producer-props", "bootstrap.servers=" + b.bootstrap(), "acks=all",
            "enable.idempotence=true")));
    if (p.records() != records) {
      throw new IOException("ProducerPerformance sent " + p.records() + " of " + records);
    }
    put(b, rps, round, p.recordsPerSec());
    put(b, mbps, round, p.mbPerSec());
    if (p50 != null) {
      put(b, p50, round, p.p50Ms());
    }
    put(b, p99, round, p.p99Ms());
    log(String.format("%s round %d: %s %,.0f records/s (%.1f MB/s), p50 %.0f ms, p99 %.0f ms", b.name(), round + 1,
        topic, p.recordsPerSec(), p.mbPerSec(), p.p50Ms(), p.p99Ms()));
  }

  /**
   * The consume figure that the broker, not the client, bounds: {@link PipelinedFetchLoad} (raw pipelined
   * Fetch requests, records counted from batch headers) over {@value #TFETCH}, which {@link
   * PipelinedProduceLoad#fill} fills with the same batches on either broker; an unmeasured warm-up, then
   * {@code --fetch-seconds} measured with the broker's CPU time from /proc around them.
   */
  private void pipelinedConsume(BrokerProcess b, long pid, int round) throws IOException, InterruptedException {
    BrokerEndpoint endpoint = new BrokerEndpoint(1, BrokerProcess.HOST, b.port(), null, Map.of());
    PipelinedFetchLoad.Shape shape = new PipelinedFetchLoad.Shape(TFETCH, FETCH_PARTITIONS, FETCH_CONNECTIONS,
        FETCH_WINDOW, FETCH_PARTITION_MAX_BYTES, 0);
    PipelinedFetchLoad.Shape small = new PipelinedFetchLoad.Shape(TFETCH, FETCH_PARTITIONS, FETCH_CONNECTIONS,
        FETCH_WINDOW, FETCH_SMALL_PARTITION_MAX_BYTES, 0);
    PipelinedProduceLoad.Result fill;
    try {
      fill = PipelinedProduceLoad.fill(endpoint, BrokerConnector.PLAINTEXT, TFETCH, FETCH_PARTITIONS, 4, 5,
          FILL_BATCH_BYTES, FILL_RECORD_BYTES, opts.fillBatches(), opts.toolTimeoutSeconds());
      PipelinedFetchLoad.run(BrokerProcess.HOST, b.port(), shape, FETCH_WARMUP_SECONDS);
    } catch (IOException | InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    log(String.format("%s round %d: filled %,d batches in %.1f s", b.name(), round + 1, fill.requests(), fill.seconds()));
    measureFetch(b, pid, round, shape, Metric.CONSUME_PIPELINED_RPS, Metric.CONSUME_PIPELINED_MBPS,
        Metric.CPU_PER_GIB_CONSUMED);
    measureFetch(b, pid, round, small, Metric.CONSUME_SMALL_RPS, Metric.CONSUME_SMALL_MBPS,
        Metric.CPU_PER_GIB_CONSUMED_SMALL);
  }

  /** One measured read of {@code shape} ({@code --fetch-seconds}), with the broker's CPU from /proc around it. */
  private void measureFetch(BrokerProcess b, long pid, int round, PipelinedFetchLoad.Shape shape, Metric rps,
      Metric mbps, Metric cpuPerGib) throws IOException, InterruptedException {
    PipelinedFetchLoad.Result r;
    double cpu;
    String load = loadAverage();
    try {
      double cpu0 = ProcStats.cpuSeconds(pid);
      r = PipelinedFetchLoad.run(BrokerProcess.HOST, b.port(), shape, opts.fetchSeconds());
      cpu = ProcStats.cpuSeconds(pid) - cpu0;
    } catch (IOException | InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    double gib = r.bytes() / GIB;
    put(b, rps, round, r.recordsPerSec());
    put(b, mbps, round, r.mbPerSec());
    put(b, cpuPerGib, round, cpu / gib);
    log(String.format("%s round %d: pipelined consume, %d KiB answers: %,.0f records/s (%.1f MB/s, %,d answers, %d passes); "
        + "broker CPU %.1f s (%.2f s/GiB); load generator CPU %.1f s in %.0f s; load %s", b.name(), round + 1,
        shape.partitionMaxBytes() / 1024, r.recordsPerSec(), r.mbPerSec(), r.answers(), r.passes(), cpu, cpu / gib,
        r.clientCpuSeconds(), r.seconds(), load));
  }

  /** The 1-, 5- and 15-minute load averages and runnable/total threads, as /proc/loadavg says them. */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /** A workload step that may fail on its own without ending the broker's run. */
  private interface Step {
    void run() throws IOException, InterruptedException;
  }

  private boolean attempt(BrokerProcess b, int round, String what, Step step) throws InterruptedException {
    if (!b.alive()) {
      log(b.name() + " round " + (round + 1) + ": " + what + " skipped: broker is not running");
      return false;
    }
    try {
      step.run();
      return true;
    } catch (IOException | RuntimeException e) {
      log(b.name() + " round " + (round + 1) + ": " + what + " FAILED: " + e.getMessage());
      return false;
    }
  }

  private Duration toolTimeout() {
    return Duration.ofSeconds(opts.toolTimeoutSeconds());
  }

  private void put(BrokerProcess b, Metric m, int round, double v) {
    results.put(b.name(), m, round, v);
  }

  private String serverLog(String broker, String label) {
    try {
      return Files.readString(opts.out().resolve("logs").resolve(label + "-" + broker + "-server.log"));
    } catch (IOException e) {
      return "";
    }
  }

  static void log(String line) {
    System.out.printf("[%tT] %s%n", System.currentTimeMillis(), line);
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      log("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
