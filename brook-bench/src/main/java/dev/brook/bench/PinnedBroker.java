package dev.brook.bench;

import static dev.brook.bench.RawRequests.COMMIT_VERSION;
import static dev.brook.bench.RawRequests.TOPIC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * {@code taskset -c CPUS bin/brook server} on a fresh directory and a free port (or Kafka, the anchor,
 * pinned the same way), with the one bench topic {@link RawRequests#TOPIC} made and serving, and its
 * segment files counted. {@link #close} stops the process and deletes the data. Used from the thread
 * that started it, except that {@link #segmentFiles} may be read from a load's thread.
 */
final class PinnedBroker implements AutoCloseable {
  /** The loopback address every pinned broker listens on and every load connects to. */
  static final String HOST = "127.0.0.1";

  final Process process;
  final int port;
  final long pid;
  final Path data;

  /** For Kafka: the anchor's stop command (its JVM runs detached from {@link #process}); else null. */
  private final List<String> stop;

  private PinnedBroker(Process process, int port, long pid, Path data) {
    this(process, port, pid, data, null);
  }

  private PinnedBroker(Process process, int port, long pid, Path data, List<String> stop) {
    this.process = process;
    this.port = port;
    this.pid = pid;
    this.data = data;
    this.stop = stop;
  }

  /**
   * Kafka 4.1.1, the anchor ({@code /work/shared/anchor/kafka-anchor.sh}, or {@code KAFKA_ANCHOR}),
   * under {@code taskset -c CPUS} (its JVM inherits the mask), in a directory of its own under /tmp
   * ({@code ANCHOR_DIR} is set, so another user of the anchor is not disturbed); fresh data each run.
   */
  static PinnedBroker startKafka(Path out, String name, String cpus) throws Exception {
    String script = System.getenv().getOrDefault("KAFKA_ANCHOR", "/work/shared/anchor/kafka-anchor.sh");
    Path dir = Path.of(System.getenv().getOrDefault("BENCH_ANCHOR_DIR", "/tmp/kafka-anchor-scaling"));
    Files.createDirectories(dir);
    int port = BrokerProcess.freePort(false);
    ProcessBuilder pb = new ProcessBuilder("taskset", "-c", cpus, script, "start", Integer.toString(port));
    pb.environment().put("ANCHOR_DIR", dir.toString());
    Process p = pb.redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve(name + ".log").toFile())).start();
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("kafka did not start; see " + out.resolve(name + ".log") + " and " + dir.resolve("kafka.out"));
    }
    long pid = Long.parseLong(Files.readString(dir.resolve("kafka.pid")).trim());
    return new PinnedBroker(p, port, pid, dir.resolve("data"),
        List.of("env", "ANCHOR_DIR=" + dir, script, "stop"));
  }

  static PinnedBroker start(Path root, Path out, String name, String cpus, Map<String, String> overrides) throws Exception {
    return start(root, out, name, cpus, overrides, Map.of());
  }

  /** As above, with extra environment for bin/brook (BROOK_OPTS, ...). */
  static PinnedBroker start(Path root, Path out, String name, String cpus, Map<String, String> overrides, Map<String, String> env)
      throws Exception {
    int port = BrokerProcess.freePort(false);
    Path data = Files.createTempDirectory("brook-scaling-");
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, root.resolve("bin/brook").toString(), "server",
        "--override", "log.dirs=" + data, "--override", "listeners=PLAINTEXT://" + HOST + ":" + port,
        "--override", "group.initial.rebalance.delay.ms=0"));
    overrides.forEach((k, v) -> cmd.addAll(List.of("--override", k + "=" + v)));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve(name + ".log").toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (RawConnection c = RawConnection.open(HOST, port, 2000)) {
        break;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new IOException("broker did not start; see " + out.resolve(name + ".log"), e);
        }
        Thread.sleep(50);
      }
    }
    long pid = p.pid(); // taskset and bin/brook exec: the JVM keeps the pid
    if (!ProcStats.command(pid).equals("java")) {
      pid = p.toHandle().descendants().filter(h -> ProcStats.command(h.pid()).equals("java")).findFirst()
          .orElseThrow().pid();
    }
    return new PinnedBroker(p, port, pid, data);
  }

  void createTopic(int partitions) throws Exception {
    createTopic(partitions, Map.of());
  }

  void createTopic(int partitions, Map<String, String> configs) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port);
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 1).configs(configs))).all()
          .get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().stream()
          .anyMatch(pi -> pi.leader() == null)) {
        if (System.nanoTime() > deadline) throw new IOException("partitions have no leader after 30 s");
        Thread.sleep(50);
      }
    }
    awaitProduceAccepted(partitions);
  }

  /**
   * One record to each partition through a producer that retries: Kafka's metadata names a new
   * topic's leaders a moment before the broker has become their leader, and the raw loads, which do
   * not retry, would get NOT_LEADER_OR_FOLLOWER in that moment.
   */
  private void awaitProduceAccepted(int partitions) throws Exception {
    Properties props = new Properties();
    props.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port);
    props.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "1");
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props,
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        sent.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TOPIC, p, null, new byte[1])));
      }
      for (var f : sent) f.get(60, TimeUnit.SECONDS);
    }
  }

  /** Commits until __consumer_offsets is made and serving (it is created on first use). */
  void awaitCommitsAccepted() throws Exception {
    try (RawConnection c = RawConnection.open(HOST, port, 10_000)) {
      for (int conn = 0; conn < 16; conn++) {
        c.awaitCoordinator("bench-" + conn, 60_000);
        CommitWorkload.commitUntilAccepted(c, COMMIT_VERSION, RawRequests.commit(conn, 0), 60_000);
      }
    }
  }

  /** Segment files of the topic's partitions: each roll adds one. */
  long segmentFiles() throws IOException {
    try (var dirs = Files.list(data)) {
      long n = 0;
      for (Path d : dirs.filter(x -> x.getFileName().toString().startsWith(TOPIC + "-")).toList()) {
        try (var files = Files.list(d)) {
          n += files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
      }
      return n;
    }
  }

  @Override
  public void close() throws Exception {
    if (stop != null) {
      new ProcessBuilder(stop).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
      return; // the anchor empties its data directory at the next start
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    try (var walk = Files.walk(data)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
    }
  }
}
