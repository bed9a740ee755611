package dev.brook.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The harness's command line. Sizes are parameters so that a smoke run ({@code --quick}) takes a
 * minute or two while the default run uses the sizes of issue 7 (5 M × 100 B consumed, three rounds).
 */
record BenchOptions(int rounds, long records100b, long records1k, long records8p, int e2eMessages,
    long fillBatches, int fetchSeconds, int settleSeconds, int toolTimeoutSeconds, List<String> brokers, boolean prime, Path out, Path results,
    String note, Path kafkaJavaHome, Path anchorScript, Path root, boolean quick) {

  static final String USAGE = """
      usage: bench/run [options]
        --quick                smoke sizes: 1 round, 200 000 × 100 B, 50 000 × 1 KiB (1p and 8p), 5 s pipelined
                               consume of 16 × 128 batches, 500 e2e
        --rounds N             rounds; each round runs Kafka and Brook once, order alternating (default 3)
        --records-100b N       100 B records produced to 1 partition, then consumed (default 5 000 000)
        --records-1k N         1 KiB records produced to 1 partition (default 1 000 000)
        --records-8p N         1 KiB records produced to 8 partitions (default 1 000 000)
        --fill-batches N       batches of 163 × 100 B written to each of the 16 partitions the pipelined
                               consume reads (default 1 024, ~18 MB a partition; quick 128; a multiple of 4)
        --fetch-seconds N      measured seconds of each pipelined consume (1 MiB, then 64 KiB answers), after 3 s of warm-up (default 15; quick 5)
        --e2e N                end-to-end latency round trips, 1 KiB, acks=all (default 50 000: the tool's
                               client starts cold, and in 10 000 rounds its JIT warm-up sets the p99)
        --settle-seconds N     idle time after startup before idle RSS is read (default 5; quick 2)
        --tool-timeout-seconds N  a tool run taking longer fails that workload (default 900; quick 180)
        --only brook|kafka     run one broker only (no ratios)
        --no-prime             skip the unmeasured start/stop of each broker before round 1
        --out DIR              CSV, PNG, logs (default bench/out/<UTC time>)
        --results FILE         rewrite the generated part of this file (default bench/RESULTS.md)
        --no-results           do not touch RESULTS.md
        --note TEXT            a remark printed with the results (e.g. "busy machine")
        --kafka-java-home DIR  run Kafka on this JDK (default: the JDK running the harness, as Brook)
        --anchor FILE          kafka-anchor.sh (default $ANCHOR_SCRIPT or ../shared/anchor/kafka-anchor.sh)
      """;

  static BenchOptions parse(String[] args) {
    boolean quick = List.of(args).contains("--quick");
    int rounds = quick ? 1 : 3;
    long r100 = quick ? 200_000 : 5_000_000;
    long r1k = quick ? 50_000 : 1_000_000;
    long r8p = quick ? 50_000 : 1_000_000;
    // 50,000 rounds: the tool starts a new client JVM, whose JIT warm-up makes a few hundred slow
    // rounds at the start (bench/RESULTS.md, "Where the tail comes from"); over 10,000 rounds they
    // are the p99, over 50,000 the steady state is. ~1 min per Kafka run, ~25 s per Brook run.
    int e2e = quick ? 500 : 50_000;
    long fill = quick ? 128 : 1024;
    int fetchSeconds = quick ? 5 : 15;
    int settle = quick ? 2 : 5;
    int toolTimeout = quick ? 180 : 900;
    List<String> brokers = new ArrayList<>(List.of(Measurements.KAFKA, Measurements.BROOK));
    boolean prime = true;
    Path root = Path.of(System.getProperty("user.dir"));
    Path out = null;
    Path results = null;
    boolean noResults = false;
    String note = "";
    Path kafkaJava = Path.of(System.getProperty("java.home"));
    Path anchor = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> { }
        case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, a));
        case "--records-100b" -> r100 = Long.parseLong(value(args, ++i, a));
        case "--records-1k" -> r1k = Long.parseLong(value(args, ++i, a));
        case "--records-8p" -> r8p = Long.parseLong(value(args, ++i, a));
        case "--e2e" -> e2e = Integer.parseInt(value(args, ++i, a));
        case "--fill-batches" -> fill = Long.parseLong(value(args, ++i, a));
        case "--fetch-seconds" -> fetchSeconds = Integer.parseInt(value(args, ++i, a));
        case "--settle-seconds" -> settle = Integer.parseInt(value(args, ++i, a));
        case "--tool-timeout-seconds" -> toolTimeout = Integer.parseInt(value(args, ++i, a));
        case "--only" -> {
          String b = value(args, ++i, a);
          if (!brokers.contains(b)) {
            throw new IllegalArgumentException("--only takes brook or kafka, not " + b);
          }
          brokers = List.of(b);
        }
        case "--no-prime" -> prime = false;
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--results" -> results = Path.of(value(args, ++i, a));
        case "--no-results" -> noResults = true;
        case "--note" -> note = value(args, ++i, a);
        case "--kafka-java-home" -> kafkaJava = Path.of(value(args, ++i, a));
        case "--anchor" -> anchor = Path.of(value(args, ++i, a));
        case "--root" -> root = Path.of(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (rounds < 1 || r100 < 1 || r1k < 1 || r8p < 1 || e2e < 1 || fill < 1 || fetchSeconds < 1 || settle < 0
        || toolTimeout < 1) {
      throw new IllegalArgumentException("rounds, record counts and timeouts must be positive");
    }
    if (fill % 4 != 0) {
      throw new IllegalArgumentException("--fill-batches must be a multiple of 4 (the fill's connections), not " + fill);
    }
    root = root.toAbsolutePath().normalize();
    if (out == null) {
      String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
          .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
      out = root.resolve("bench/out").resolve(stamp);
    }
    if (results == null && !noResults) {
      results = root.resolve("bench/RESULTS.md");
    }
    if (noResults) {
      results = null;
    }
    if (anchor == null) {
      String fromEnv = System.getenv("ANCHOR_SCRIPT");
      anchor = fromEnv != null ? Path.of(fromEnv) : root.resolve("../shared/anchor/kafka-anchor.sh").normalize();
      if (!anchor.toFile().canExecute()) {
        anchor = Path.of("/work/shared/anchor/kafka-anchor.sh");
      }
    }
    return new BenchOptions(rounds, r100, r1k, r8p, e2e, fill, fetchSeconds, settle, toolTimeout, List.copyOf(brokers), prime,
        out.toAbsolutePath(), results == null ? null : results.toAbsolutePath(), note, kafkaJava,
        anchor.toAbsolutePath(), root, quick);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** The sizes, as one line for the report. */
  String sizes() {
    return String.format("%d round(s); produce %,d × 100 B (1 partition, then consumed), %,d × 1 KiB (1 partition), "
        + "%,d × 1 KiB (8 partitions); pipelined consume %d s of 16 partitions × %,d batches × 163 × 100 B; "
        + "%,d end-to-end round trips × 1 KiB", rounds, records100b, records1k, records8p, fetchSeconds, fillBatches,
        e2eMessages);
  }
}
