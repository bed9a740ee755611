package dev.brook.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of {@code bench/coordinator} ({@link CoordinatorBench}). The defaults are the
 * sizes issue 15 names (8 committers, 8 consumers on 16 partitions, 1 M commit records); {@code
 * --quick} shrinks every part to a smoke run of a minute or two.
 */
record CoordinatorOptions(List<String> brokers, List<String> workloads, int commitThreads, int commitPartitions,
    int commitWarmupSeconds, int commitSeconds, int commitRuns, int consumers, int rebalancePartitions,
    int rebalanceRounds, List<String> protocols, int heartbeatMs, long loadRecords, int loadGroups,
    int loadPartitions, int loadRestarts, Map<String, String> brookOverrides, int externalPort, long externalPid,
    Path out, Path anchorScript, Path root) {

  static final List<String> WORKLOADS = List.of("commit", "rebalance", "load");
  static final List<String> PROTOCOLS = List.of("eager", "cooperative", "consumer");

  static final String USAGE = """
      usage: bench/coordinator [options]
        --quick                    smoke sizes: 1 commit run of 5 s, 2 rebalance rounds, 100 000 load records
        --kafka                    also run commit and rebalance against Kafka 4.1.1 (kafka-anchor.sh)
        --only brook|kafka         one broker only (kafka: commit and rebalance only)
        --workloads LIST           any of commit,rebalance,load (default all three)
        --commit-threads N         connections committing at once, one request in flight each (default 8)
        --commit-partitions N      partitions of the committed topic, split between the threads (default 16)
        --commit-warmup-seconds N  unmeasured commits first (default 5)
        --commit-seconds N         measured time per run (default 20)
        --commit-runs N            runs on the same broker; the median is reported (default 3)
        --consumers N              members of each rebalanced group (default 8)
        --rebalance-partitions N   partitions of the subscribed topic (default 16)
        --rebalance-rounds N       rounds of one member leaving, then one joining (default 5)
        --protocols LIST           any of eager,cooperative,consumer (default all three)
        --heartbeat-ms N           classic consumers' heartbeat.interval.ms and Brook's
                                   group.consumer.heartbeat.interval.ms (default 500; Kafka's anchor
                                   keeps its own 5000 for the consumer protocol)
        --load-records N           offset-commit records written to __consumer_offsets-0 (default 1 000 000)
        --load-groups N            groups they are spread over (default 100)
        --load-partitions N        partitions per OffsetCommit request, of one topic (default 100)
        --load-restarts N          restarts timed; the median is reported (default 3)
        --external-port N          instead: commit and rebalance against a broker already running on
                                   127.0.0.1:N (started and stopped by you, with your settings)
        --external-pid N           that broker's pid, for its CPU figures
        --override KEY=VALUE       a Brook setting for every start (repeatable), e.g. a coordinator option to compare
        --out DIR                  logs and summary (default bench/out/coordinator-<UTC time>)
        --anchor FILE              kafka-anchor.sh (default $ANCHOR_SCRIPT or ../shared/anchor/kafka-anchor.sh)
      """;

  static CoordinatorOptions parse(String[] args) {
    boolean quick = List.of(args).contains("--quick");
    List<String> brokers = List.of(Measurements.BROOK);
    List<String> workloads = WORKLOADS;
    int commitThreads = 8;
    int commitPartitions = 16;
    int commitWarmup = quick ? 2 : 5;
    int commitSeconds = quick ? 5 : 20;
    int commitRuns = quick ? 1 : 3;
    int consumers = 8;
    int rebalancePartitions = 16;
    int rebalanceRounds = quick ? 2 : 5;
    List<String> protocols = PROTOCOLS;
    int heartbeatMs = 500;
    long loadRecords = quick ? 100_000 : 1_000_000;
    int loadGroups = 100;
    int loadPartitions = 100;
    int loadRestarts = quick ? 1 : 3;
    Map<String, String> overrides = new LinkedHashMap<>();
    int externalPort = -1;
    long externalPid = -1;
    Path out = null;
    Path anchor = null;
    Path root = Path.of(System.getProperty("user.dir"));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> { }
        case "--kafka" -> brokers = List.of(Measurements.KAFKA, Measurements.BROOK);
        case "--only" -> {
          String b = value(args, ++i, a);
          if (!List.of(Measurements.BROOK, Measurements.KAFKA).contains(b)) {
            throw new IllegalArgumentException("--only takes brook or kafka, not " + b);
          }
          brokers = List.of(b);
        }
        case "--workloads" -> workloads = list(value(args, ++i, a), WORKLOADS, a);
        case "--commit-threads" -> commitThreads = positive(args, ++i, a);
        case "--commit-partitions" -> commitPartitions = positive(args, ++i, a);
        case "--commit-warmup-seconds" -> commitWarmup = Integer.parseInt(value(args, ++i, a));
        case "--commit-seconds" -> commitSeconds = positive(args, ++i, a);
        case "--commit-runs" -> commitRuns = positive(args, ++i, a);
        case "--consumers" -> consumers = positive(args, ++i, a);
        case "--rebalance-partitions" -> rebalancePartitions = positive(args, ++i, a);
        case "--rebalance-rounds" -> rebalanceRounds = positive(args, ++i, a);
        case "--protocols" -> protocols = list(value(args, ++i, a), PROTOCOLS, a);
        case "--heartbeat-ms" -> heartbeatMs = positive(args, ++i, a);
        case "--load-records" -> loadRecords = Long.parseLong(value(args, ++i, a));
        case "--load-groups" -> loadGroups = positive(args, ++i, a);
        case "--load-partitions" -> loadPartitions = positive(args, ++i, a);
        case "--load-restarts" -> loadRestarts = positive(args, ++i, a);
        case "--override" -> {
          String kv = value(args, ++i, a);
          int eq = kv.indexOf('=');
          if (eq < 1) {
            throw new IllegalArgumentException("--override takes KEY=VALUE, not " + kv);
          }
          overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        case "--external-port" -> {
          externalPort = positive(args, ++i, a);
          brokers = List.of(BrokerProcess.External.NAME);
        }
        case "--external-pid" -> externalPid = positive(args, ++i, a);
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--anchor" -> anchor = Path.of(value(args, ++i, a));
        case "--root" -> root = Path.of(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (commitPartitions < commitThreads) {
      throw new IllegalArgumentException("--commit-partitions must be at least --commit-threads (each thread commits its own)");
    }
    if (consumers < 2 || rebalancePartitions < consumers) {
      throw new IllegalArgumentException("--consumers must be at least 2 and at most --rebalance-partitions");
    }
    if (loadRecords < 1 || commitWarmup < 0) {
      throw new IllegalArgumentException("--load-records must be positive, --commit-warmup-seconds not negative");
    }
    root = root.toAbsolutePath().normalize();
    if (out == null) {
      String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
      out = root.resolve("bench/out").resolve("coordinator-" + stamp);
    }
    if (anchor == null) {
      String fromEnv = System.getenv("ANCHOR_SCRIPT");
      anchor = fromEnv != null ? Path.of(fromEnv) : root.resolve("../shared/anchor/kafka-anchor.sh").normalize();
      if (!anchor.toFile().canExecute()) {
        anchor = Path.of("/work/shared/anchor/kafka-anchor.sh");
      }
    }
    return new CoordinatorOptions(brokers, workloads, commitThreads, commitPartitions, commitWarmup, commitSeconds,
        commitRuns, consumers, rebalancePartitions, rebalanceRounds, protocols, heartbeatMs, loadRecords, loadGroups,
        loadPartitions, loadRestarts, Map.copyOf(overrides), externalPort, externalPid, out.toAbsolutePath(), anchor.toAbsolutePath(), root);
  }

  boolean runs(String workload) {
    return workloads.contains(workload);
  }

  /** The sizes, as one line for the report. */
  String sizes() {
    return String.format("commit: %d threads × %d partitions, %d s (+%d s warm-up) × %d run(s); rebalance: %d consumers, "
        + "%d partitions, %d rounds, %s, heartbeat %d ms; load: %,d records, %d groups, %d partitions per request, "
        + "%d restart(s)%s", commitThreads, commitPartitions, commitSeconds, commitWarmupSeconds, commitRuns, consumers,
        rebalancePartitions, rebalanceRounds, String.join("/", protocols), heartbeatMs, loadRecords, loadGroups,
        loadPartitions, loadRestarts, brookOverrides.isEmpty() ? "" : "; Brook settings " + brookOverrides);
  }

  private static List<String> list(String v, List<String> allowed, String option) {
    List<String> picked = new ArrayList<>();
    for (String s : v.split(",")) {
      String t = s.trim();
      if (!allowed.contains(t)) {
        throw new IllegalArgumentException(option + " takes any of " + String.join(",", allowed) + ", not " + t);
      }
      picked.add(t);
    }
    return List.copyOf(picked);
  }

  private static int positive(String[] args, int i, String option) {
    int n = Integer.parseInt(value(args, i, option));
    if (n < 1) {
      throw new IllegalArgumentException(option + " must be positive");
    }
    return n;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
