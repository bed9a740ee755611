package dev.brook.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The coordinator benchmark of issue 15, run with {@code bench/coordinator}: offset-commit
 * throughput ({@link CommitWorkload}), rebalance time of classic and consumer-protocol groups
 * ({@link RebalanceWorkload}), and the time to load a {@code __consumer_offsets} partition of 1 M
 * commit records after a restart ({@link LoadWorkload}). Brook runs as a child process from the
 * built jar through {@code bin/brook server}, as in the side-by-side harness; with {@code --kafka},
 * Apache Kafka 4.1.1 ({@code kafka-anchor.sh}) runs the first two workloads too, one broker at a
 * time. It prints figures and writes them, with every broker log, under {@code bench/out/}. A
 * benchmark, not a test: nothing here asserts a time.
 */
public final class CoordinatorBench {
  private static final String COMMIT_TOPIC = "commit-bench";
  private static final String REBALANCE_TOPIC = "rebalance-bench";

  private final CoordinatorOptions opts;
  private final Env env;
  private final Path work;
  private final List<String> summary = new ArrayList<>();
  private volatile BrokerProcess running;

  private CoordinatorBench(CoordinatorOptions opts, Env env, Path work) {
    this.opts = opts;
    this.env = env;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    CoordinatorOptions opts;
    try {
      if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
        System.out.print(CoordinatorOptions.USAGE);
        return;
      }
      opts = CoordinatorOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench/coordinator: " + e.getMessage());
      System.err.print(CoordinatorOptions.USAGE);
      System.exit(2);
      return;
    }
    Files.createDirectories(opts.out());
    Path work = Files.createTempDirectory("brook-coordinator-bench-");
    Path javaHome = Path.of(System.getProperty("java.home"));
    Env env = new Env(opts.root(), opts.anchorScript(), work.resolve("tools"), javaHome, javaHome, javaHome);
    CoordinatorBench bench = new CoordinatorBench(opts, env, work);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::stopRunning, "bench-stop"));
    try {
      bench.run();
    } finally {
      deleteTree(work);
    }
  }

  private void run() throws Exception {
    String command = System.getenv().getOrDefault("BENCH_COMMAND", "bench/coordinator");
    report("Coordinator benchmark, " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + ": `" + command + "`");
    report("machine: " + MachineInfo.read(env).summary() + "; load average at start " + loadAverage());
    report("sizes: " + opts.sizes());
    log("out: " + opts.out());
    if (opts.brokers().contains(Measurements.KAFKA)) {
      env.prepareTools(Path.of("/tmp/kafka-anchor/cp.txt"));
    }
    if (opts.brokers().contains(Measurements.BROOK)) {
      prime();
    }
    for (String b : opts.brokers()) {
      if (opts.runs("commit") || opts.runs("rebalance")) {
        groupWorkloads(b);
      }
    }
    if (opts.brokers().contains(Measurements.BROOK) && opts.runs("load")) {
      load();
    }
    report("load average at the end " + loadAverage());
    Files.write(opts.out().resolve("summary.txt"), summary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    log("(summary and logs in " + opts.out() + ")");
  }

  /** Starts and stops Brook once, unmeasured: the first start after a build trains bin/brook's AOT cache. */
  private void prime() throws Exception {
    log("priming Brook (a first start after a build trains its start cache) ...");
    BrokerProcess b = BrokerProcess.Brook.start(env.root(), work.resolve("prime-data"), opts.out().resolve("brook-prime.log"),
        env);
    running = b;
    try {
      MetadataProbe.awaitUp(BrokerProcess.HOST, b.port(), Duration.ofMinutes(3), b::alive);
    } finally {
      b.stop();
      running = null;
    }
  }

  private void groupWorkloads(String name) throws Exception {
    log(name + ": starting ...");
    BrokerProcess b = switch (name) {
      case Measurements.BROOK -> BrokerProcess.Brook.start(env.root(), work.resolve("brook-data"),
          opts.out().resolve("brook.log"), env, BrokerProcess.freePort(false),
          brookSettings(Map.of("group.consumer.heartbeat.interval.ms", Integer.toString(opts.heartbeatMs()))));
      case Measurements.KAFKA -> BrokerProcess.Kafka.start(work.resolve("kafka-anchor"), opts.out().resolve("kafka.log"),
          env);
      default -> new BrokerProcess.External(opts.externalPort(), opts.externalPid());
    };
    running = b;
    try {
      MetadataProbe.awaitUp(BrokerProcess.HOST, b.port(), Duration.ofMinutes(3), b::alive);
      if (opts.runs("commit")) {
        commit(b);
      }
      if (opts.runs("rebalance")) {
        rebalance(b);
      }
    } finally {
      b.stop();
      running = null;
    }
  }

  private void commit(BrokerProcess b) throws Exception {
    createTopic(b.bootstrap(), COMMIT_TOPIC, opts.commitPartitions());
    double[] rate = new double[opts.commitRuns()];
    double[] offsets = new double[opts.commitRuns()];
    double[] p50 = new double[opts.commitRuns()];
    double[] p99 = new double[opts.commitRuns()];
    double[] cpu = new double[opts.commitRuns()];
    long pid = b.pid();
    DoubleSupplier cpuSeconds = () -> pid > 0 ? ProcStats.cpuSeconds(pid) : Double.NaN;
    for (int r = 0; r < opts.commitRuns(); r++) {
      CommitWorkload.Result res = CommitWorkload.run(BrokerProcess.HOST, b.port(), COMMIT_TOPIC, opts.commitPartitions(),
          "commit-bench-group-" + r, opts.commitThreads(), opts.commitWarmupSeconds(), opts.commitSeconds(),
          cpuSeconds);
      rate[r] = res.commitsPerSecond();
      offsets[r] = res.offsetsPerSecond();
      p50[r] = res.p50Ms();
      p99[r] = res.p99Ms();
      cpu[r] = res.brokerCpuMicrosPerCommit();
      log(String.format("  %s commit run %d: %,.0f commits/s (%,.0f offsets/s), p50 %.2f ms, p99 %.2f ms, max %.1f ms, "
          + "broker CPU %.0f µs/commit", b.name(), r + 1, res.commitsPerSecond(), res.offsetsPerSecond(), res.p50Ms(),
          res.p99Ms(), res.maxMs(), res.brokerCpuMicrosPerCommit()));
    }
    report(String.format("%s offset commit (median of %d): %,.0f commits/s, %,.0f offsets/s, p50 %.2f ms, p99 %.2f ms, "
        + "broker CPU %.0f µs/commit", b.name(), opts.commitRuns(), Measurements.median(rate), Measurements.median(offsets),
        Measurements.median(p50), Measurements.median(p99), Measurements.median(cpu)));
  }

  private void rebalance(BrokerProcess b) throws Exception {
    createTopic(b.bootstrap(), REBALANCE_TOPIC, opts.rebalancePartitions());
    for (String protocol : opts.protocols()) {
      RebalanceWorkload.Result r = RebalanceWorkload.run(b.bootstrap(), REBALANCE_TOPIC, opts.rebalancePartitions(),
          protocol, "rebalance-" + protocol, opts.consumers(), opts.rebalanceRounds(), opts.heartbeatMs(), this::log);
      report(String.format("%s rebalance %s (%d consumers, %d partitions; median of %d): join %.0f ms, leave %.0f ms, "
          + "first formation %.0f ms; joins %s, leaves %s", b.name(), protocol, opts.consumers(),
          opts.rebalancePartitions(), opts.rebalanceRounds(), r.medianJoinMs(), r.medianLeaveMs(), r.formMs(),
          millis(r.joinMs()), millis(r.leaveMs())));
    }
  }

  private void load() throws Exception {
    log("brook: load of __consumer_offsets-0 ...");
    LoadWorkload.Result r = LoadWorkload.run(env, work.resolve("load-data"), opts.out(),
        brookSettings(LoadWorkload.SETTINGS), opts.loadRecords(), opts.loadGroups(), opts.loadPartitions(),
        opts.loadRestarts(), this::log);
    List<LoadWorkload.Restart> rs = r.restarts();
    double ready = Measurements.median(rs.stream().mapToDouble(LoadWorkload.Restart::readyMs).toArray());
    double line = Measurements.median(rs.stream().mapToDouble(LoadWorkload.Restart::loadedLineMs).toArray());
    double fetch = Measurements.median(rs.stream().mapToDouble(LoadWorkload.Restart::fetchMs).toArray());
    double afterReady = Measurements.median(rs.stream().mapToDouble(x -> x.fetchMs() - x.readyMs()).toArray());
    double cpu = Measurements.median(rs.stream().mapToDouble(LoadWorkload.Restart::cpuMs).toArray());
    report(String.format("brook load: __consumer_offsets-0 log end offset %,d (%.1f MiB on disk), filled in %.1f s; "
        + "stop (SIGTERM) %.0f ms; after a restart (median of %d), from the process start: ready line %.0f ms, "
        + "coordinator's loaded line %.0f ms (%,d records), OffsetFetch ok %.0f ms (%.0f ms after the ready line); "
        + "broker CPU up to the OffsetFetch %.0f ms", r.logEndOffset(), r.logBytes() / 1048576.0, r.fillSeconds(),
        r.stopMs(), rs.size(), ready, line, rs.getFirst().loadedRecords(), fetch, afterReady, cpu));
  }

  /** {@code settings} with the command line's {@code --override}s over them. */
  private Map<String, String> brookSettings(Map<String, String> settings) {
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.putAll(opts.brookOverrides());
    return all;
  }

  /** Creates {@code topic} (replication 1), or leaves it as it is. */
  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      for (int i = 0; i < 300; i++) { // until every partition has a leader
        var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        if (d.partitions().size() == partitions && d.partitions().stream().allMatch(x -> x.leader() != null)) {
          return;
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("topic " + topic + " has no leaders after 30 s");
    }
  }

  private static String millis(double[] xs) {
    List<String> s = new ArrayList<>();
    for (double x : xs) {
      s.add(Double.isNaN(x) ? "—" : String.format("%.0f", x));
    }
    return "[" + String.join(", ", s) + "]";
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private void report(String line) {
    summary.add(line);
    System.out.println(line);
    System.out.flush();
  }

  private void log(String line) {
    System.err.println(DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC).format(Instant.now()).substring(0, 8)
        + " " + line);
  }

  /**
   * On exit (Ctrl-C too): stops the broker of the group workloads, then SIGTERMs any child process
   * left, such as a broker of the load workload, and deletes the work directory. Kafka's JVM is not
   * a child (the anchor script detaches it), hence {@link BrokerProcess#stop} first.
   */
  private void stopRunning() {
    BrokerProcess b = running;
    if (b != null) {
      try {
        b.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
    children.forEach(ProcessHandle::destroy);
    for (ProcessHandle c : children) {
      try {
        c.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        c.destroyForcibly();
      }
    }
    if (Files.exists(work)) {
      deleteTree(work); // main's own cleanup does not run when the JVM is stopped by a signal
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("bench/coordinator: could not delete " + dir + ": " + e);
    }
  }
}
