package dev.brook.bench;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import dev.brook.broker.security.InterBrokerSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Brook and Apache Kafka 4.1.1 side by side over SASL_SSL (issue 17's expectations), next to
 * PLAINTEXT on the same broker in the same run. Each broker is started fresh, one at a time, the
 * order alternating by round, with two listeners: {@code PLAINTEXT} and {@code SASL_SSL} (TLS with an
 * EC P-256 certificate made by keytool for this run, SCRAM-SHA-256; the SCRAM user is created with
 * the Admin API over PLAINTEXT, as {@code kafka-configs} would). On each, in an order that alternates
 * too: an unmeasured warm-up produce on each listener, then Kafka's {@code ProducerPerformance} (acks=all, idempotent) and {@code EndToEndLatency} (acks=all,
 * 1 KiB) on each listener, the SASL_SSL runs given the same client properties file
 * ({@code --producer.config}, EndToEndLatency's properties argument); the broker's CPU time
 * ({@code /proc/<pid>/stat}) around each; then connection setup: N sequential connections,
 * TCP connect to authenticated (TLS handshake + SaslHandshake + SCRAM-SHA-256), through Brook's own
 * blocking client (the same client for both brokers; its PBKDF2 at 4,096 iterations is in every
 * figure), with the broker's CPU per connection. The load average is recorded at every step: the
 * machine is shared. Prints per-round figures, medians and the Brook/Kafka ratios, and writes them
 * to {@code OUT/summary.md}.
 *
 * <p>Run it with {@code bench/sasl-ssl [--rounds N] [--records N] [--e2e N] [--connections N]}.
 */
public final class SecureSideBySide {
  private static final String HOST = BrokerProcess.HOST;
  private static final String PASSWORD = "bench-secret";
  private static final String[] MODES = {"PLAINTEXT", "SASL_SSL"};
  // The pipelined load: 4 connections x 5 in flight (a producer's default max.in.flight), batches of
  // 16 KiB (its default batch.size) to 8 partitions.
  private static final int LOAD_PARTITIONS = 8;
  private static final int LOAD_CONNECTIONS = 4;
  private static final int LOAD_WINDOW = 5;
  private static final int LOAD_BATCH = 16 * 1024;

  private final Path root;
  private final Env env;
  private final KafkaTools tools;
  private final Path work;
  private final Path out;
  private final int rounds;
  private final long records;
  private final long warmupRecords;
  private final int loadSeconds;
  private final int recordSize;
  private final int e2eMessages;
  private final int connections;
  private final List<String> brokers;
  private final Path keyStore;
  private final Path trustStore;
  private final Path clientConfig;
  /** broker -> metric -> per-round values. */
  private final Map<String, Map<String, double[]>> results = new LinkedHashMap<>();
  private final List<String> lines = new ArrayList<>();

  private SecureSideBySide(Map<String, String> o, Path work) throws Exception {
    this.root = Path.of(o.getOrDefault("root", ".")).toAbsolutePath();
    this.work = work;
    this.out = Path.of(o.getOrDefault("out", root.resolve("bench/out/sasl-ssl-" + System.currentTimeMillis()).toString()));
    this.rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
    this.records = Long.parseLong(o.getOrDefault("records", "300000"));
    this.warmupRecords = Long.parseLong(o.getOrDefault("warmup-records", "100000"));
    this.loadSeconds = Integer.parseInt(o.getOrDefault("load-seconds", "20"));
    this.recordSize = Integer.parseInt(o.getOrDefault("record-size", "1024"));
    this.e2eMessages = Integer.parseInt(o.getOrDefault("e2e", "5000"));
    this.connections = Integer.parseInt(o.getOrDefault("connections", "200"));
    this.brokers = o.containsKey("only") ? List.of(o.get("only")) : List.of(Measurements.BROOK, Measurements.KAFKA);
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path anchor = Path.of(o.getOrDefault("anchor", root.resolveSibling("shared").resolve("anchor/kafka-anchor.sh").toString()));
    this.env = new Env(root, anchor, work.resolve("tools"), javaHome, javaHome, javaHome);
    this.tools = new KafkaTools(env);
    Path certs = Files.createDirectories(work.resolve("certs"));
    this.keyStore = certs.resolve("broker.p12");
    this.trustStore = certs.resolve("truststore.p12");
    makeCertificates(certs);
    this.clientConfig = work.resolve("client-sasl-ssl.properties");
    Files.writeString(clientConfig, String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-256",
        "sasl.jaas.config=" + jaas("bench", PASSWORD),
        "ssl.truststore.location=" + trustStore,
        "ssl.truststore.password=" + PASSWORD,
        "ssl.truststore.type=PKCS12", ""));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("usage: bench/sasl-ssl [--rounds N] [--records N] [--warmup-records N] [--load-seconds N] [--record-size B] [--e2e N] "
            + "[--connections N] [--only brook|kafka] [--out DIR]");
        System.exit(2);
      }
      o.put(args[i].substring(2), args[++i]);
    }
    Path work = Files.createTempDirectory("brook-sasl-bench-");
    try {
      new SecureSideBySide(o, work).run();
    } finally {
      SideBySide.deleteTree(work);
    }
  }

  private static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
        + password + "\";";
  }

  private void run() throws Exception {
    Files.createDirectories(out.resolve("logs"));
    env.prepareTools(Path.of("/tmp/kafka-anchor/cp.txt"));
    MetadataProbe.warmUp();
    say("machine: " + MachineInfo.read(env).summary());
    say(String.format("records %,d x %d B per produce run, %,d e2e messages, %d connections per probe, %d rounds",
        records, recordSize, e2eMessages, connections, rounds));
    for (int round = 0; round < rounds; round++) {
      List<String> order = new ArrayList<>(brokers);
      if (round % 2 == 1) {
        order = order.reversed();
      }
      for (String b : order) {
        try {
          measure(b, round);
        } catch (Exception e) {
          say(b + " round " + (round + 1) + " FAILED: " + e);
        }
      }
    }
    summarize();
    Files.write(out.resolve("summary.md"), lines, StandardCharsets.UTF_8);
    say("wrote " + out.resolve("summary.md"));
  }

  /** One broker's run: start, user and topics, produce and e2e on both listeners, the connection probe, stop. */
  private void measure(String broker, int round) throws Exception {
    Path dir = Files.createDirectories(work.resolve(broker + "-r" + (round + 1)));
    int plainPort = BrokerProcess.freePort(false);
    int securePort = BrokerProcess.freePort(false);
    Map<String, String> settings = settings(dir.resolve("data"), plainPort, securePort);
    Path log = out.resolve("logs").resolve("r" + (round + 1) + "-" + broker + "-server.log");
    Server server = broker.equals(Measurements.BROOK) ? startBrook(settings, dir, log, plainPort) : startKafka(settings, dir, log);
    try {
      MetadataProbe.awaitUp(HOST, plainPort, Duration.ofMinutes(4), server::alive);
      long pid = server.pid();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", HOST + ":" + plainPort))) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bench",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), PASSWORD))).all().get(60, TimeUnit.SECONDS);
        admin.createTopics(List.of(new NewTopic("p-PLAINTEXT", 1, (short) 1), new NewTopic("p-SASL_SSL", 1, (short) 1),
            new NewTopic("e-PLAINTEXT", 1, (short) 1), new NewTopic("e-SASL_SSL", 1, (short) 1),
            new NewTopic("w-PLAINTEXT", 1, (short) 1), new NewTopic("w-SASL_SSL", 1, (short) 1),
            new NewTopic("l-PLAINTEXT", LOAD_PARTITIONS, (short) 1), new NewTopic("l-SASL_SSL", LOAD_PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
      }
      String label = broker + " r" + (round + 1);
      String[] modes = round % 2 == 0 ? MODES : new String[] {MODES[1], MODES[0]};
      for (String mode : modes) {
        // Unmeasured: without it the first listener measured pays the broker's JIT warm-up. Kafka's
        // first run was always its slowest (its SASL_SSL run beat its PLAINTEXT one whenever it came
        // second), which made the PLAINTEXT ratio depend on the order, not on the listener.
        int port = mode.equals("PLAINTEXT") ? plainPort : securePort;
        tools.run(out.resolve("logs").resolve("r" + (round + 1) + "-" + broker + "-warmup-" + mode + ".log"),
            Duration.ofMinutes(15), KafkaTools.PRODUCER_PERFORMANCE, produceArgs("w-" + mode, warmupRecords, port, mode));
      }
      for (String mode : modes) {
        int port = mode.equals("PLAINTEXT") ? plainPort : securePort;
        double load = loadAverage();
        double cpu0 = ProcStats.cpuSeconds(pid);
        ToolOutput.Produce p = ToolOutput.produce(tools.run(out.resolve("logs").resolve(
            "r" + (round + 1) + "-" + broker + "-produce-" + mode + ".log"), Duration.ofMinutes(15),
            KafkaTools.PRODUCER_PERFORMANCE, produceArgs("p-" + mode, records, port, mode)));
        double cpu = ProcStats.cpuSeconds(pid) - cpu0;
        double gib = records * (double) recordSize / (1L << 30);
        put(broker, "produce MB/s " + mode, round, p.mbPerSec());
        put(broker, "produce p99 ms " + mode, round, p.p99Ms());
        put(broker, "broker CPU s/GiB " + mode, round, cpu / gib);
        say(String.format("%s %s: produce %,.0f rec/s %.1f MB/s p99 %.0f ms; broker CPU %.1f s (%.1f s/GiB); load %.1f",
            label, mode, p.recordsPerSec(), p.mbPerSec(), p.p99Ms(), cpu, cpu / gib, load));
      }
      for (String mode : modes) {
        int port = mode.equals("PLAINTEXT") ? plainPort : securePort;
        double load = loadAverage();
        List<String> args = new ArrayList<>(List.of("localhost:" + port, "e-" + mode, Integer.toString(e2eMessages), "all",
            "1024"));
        if (mode.equals("SASL_SSL")) {
          args.add(clientConfig.toString());
        }
        String text;
        try {
          text = tools.run(out.resolve("logs").resolve("r" + (round + 1) + "-" + broker + "-e2e-" + mode + ".log"),
              Duration.ofMinutes(15), KafkaTools.END_TO_END_LATENCY, args);
        } catch (KafkaTools.ToolFailed e) {
          if (!e.output().contains("Percentiles: ")) {
            throw e;
          }
          text = e.output(); // failed while closing, after printing what it measured
        }
        ToolOutput.Latency l = ToolOutput.latency(text);
        put(broker, "e2e p99 ms " + mode, round, l.p99Ms());
        put(broker, "e2e avg ms " + mode, round, l.avgMs());
        say(String.format("%s %s: end-to-end avg %.2f ms p50 %.0f p99 %.0f ms; load %.1f", label, mode, l.avgMs(),
            l.p50Ms(), l.p99Ms(), load));
      }
      pipelinedLoad(broker, round, label, pid, plainPort, securePort, modes);
      probeConnections(broker, round, label, pid, securePort);
    } finally {
      server.stop();
    }
  }

  /** ProducerPerformance's arguments: acks=all, idempotent, as fast as it can; SASL_SSL with the client file. */
  private List<String> produceArgs(String topic, long count, int port, String mode) {
    List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(count),
        "--record-size", Integer.toString(recordSize), "--throughput", "-1", "--producer-props",
        "bootstrap.servers=localhost:" + port, "acks=all", "enable.idempotence=true"));
    if (mode.equals("SASL_SSL")) {
      args.addAll(List.of("--producer.config", clientConfig.toString()));
    }
    return args;
  }

  /** Brook's own blocking client's way in over SASL_SSL as the bench user (TLS handshake, then SCRAM-SHA-256). */
  private BrokerConnector saslSslConnector() throws IOException {
    // Client-side settings only (Brook's BrokerConfig validates them; nothing binds these ports).
    Map<String, String> client = settings(work.resolve("probe-unused"), 1, 2);
    client.put("sasl.jaas.config", jaas("bench", PASSWORD));
    BrokerConfig config = BrokerConfig.of(client);
    return InterBrokerSecurity.create(new ListenerSettings(config, "SASL_SSL"), SecurityProtocol.SASL_SSL, null, "SCRAM-SHA-256");
  }

  /**
   * The same listeners driven by {@link PipelinedProduceLoad}, a client that costs little CPU: a 5 s
   * unmeasured warm-up, then {@code loadSeconds} measured, per listener.
   */
  private void pipelinedLoad(String broker, int round, String label, long pid, int plainPort, int securePort,
      String[] modes) throws Exception {
    for (String mode : modes) {
      boolean secure = mode.equals("SASL_SSL");
      BrokerConnector connector = secure ? saslSslConnector() : BrokerConnector.PLAINTEXT;
      BrokerEndpoint endpoint = new BrokerEndpoint(1, "localhost", secure ? securePort : plainPort, null, Map.of());
      PipelinedProduceLoad.run(endpoint, connector, "l-" + mode, LOAD_PARTITIONS, LOAD_CONNECTIONS, LOAD_WINDOW, LOAD_BATCH,
          recordSize, 5);
      double load = loadAverage();
      double cpu0 = ProcStats.cpuSeconds(pid);
      PipelinedProduceLoad.Result r = PipelinedProduceLoad.run(endpoint, connector, "l-" + mode, LOAD_PARTITIONS,
          LOAD_CONNECTIONS, LOAD_WINDOW, LOAD_BATCH, recordSize, loadSeconds);
      double cpu = ProcStats.cpuSeconds(pid) - cpu0;
      double gib = r.batchBytes() / (double) (1L << 30);
      put(broker, "pipelined MB/s " + mode, round, r.mbPerSec());
      put(broker, "pipelined broker CPU s/GiB " + mode, round, cpu / gib);
      say(String.format("%s %s: pipelined produce %.1f MB/s (%,d requests); broker CPU %.1f s (%.1f s/GiB); "
          + "load generator CPU %.1f s; load %.1f", label, mode, r.mbPerSec(), r.requests(), cpu, cpu / gib,
          r.clientCpuSeconds(), load));
    }
  }

  /** Sequential SASL_SSL connections, TCP connect to authenticated; a warm-up of 30 first. */
  private void probeConnections(String broker, int round, String label, long pid, int port) throws Exception {
    BrokerConnector connector = saslSslConnector();
    BrokerEndpoint endpoint = new BrokerEndpoint(1, "localhost", port, null, Map.of());
    for (int i = 0; i < 30; i++) {
      try (ReplicaClient c = new ReplicaClient(endpoint, "probe", 30_000, 30_000, connector)) {
        // warm-up: the client's JIT, the broker's first handshakes
      }
    }
    double load = loadAverage();
    long[] nanos = new long[connections];
    double cpu0 = ProcStats.cpuSeconds(pid);
    for (int i = 0; i < connections; i++) {
      long t0 = System.nanoTime();
      try (ReplicaClient c = new ReplicaClient(endpoint, "probe", 30_000, 30_000, connector)) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    double cpuMs = (ProcStats.cpuSeconds(pid) - cpu0) * 1000 / connections;
    Arrays.sort(nanos);
    double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
    double p50 = nanos[connections / 2] / 1e6;
    double p99 = nanos[Math.min(connections - 1, (int) (connections * 0.99))] / 1e6;
    put(broker, "connect+auth p50 ms", round, p50);
    put(broker, "connect+auth p99 ms", round, p99);
    put(broker, "connect+auth mean ms", round, mean);
    put(broker, "broker CPU ms/connection", round, cpuMs);
    say(String.format("%s: %d SASL_SSL connections, connect->authenticated mean %.1f ms p50 %.1f p99 %.1f ms; "
        + "broker CPU %.2f ms per connection; load %.1f", label, connections, mean, p50, p99, cpuMs, load));
  }

  /** The same settings for both brokers: Brook's keys, which are Kafka's. */
  private Map<String, String> settings(Path data, int plainPort, int securePort) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("log.dirs", data.toString());
    s.put("listeners", "PLAINTEXT://" + HOST + ":" + plainPort + ",SASL_SSL://" + HOST + ":" + securePort);
    s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL");
    s.put("inter.broker.listener.name", "PLAINTEXT");
    s.put("ssl.keystore.location", keyStore.toString());
    s.put("ssl.keystore.password", PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.truststore.location", trustStore.toString());
    s.put("ssl.truststore.password", PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
    s.put("group.initial.rebalance.delay.ms", "0");
    return s;
  }

  /** A broker started here. */
  private interface Server {
    boolean alive();

    long pid() throws InterruptedException;

    void stop() throws InterruptedException;
  }

  private Server startBrook(Map<String, String> settings, Path dir, Path log, int port) throws IOException {
    Map<String, String> overrides = new LinkedHashMap<>(settings);
    overrides.remove("log.dirs");
    BrokerProcess.Brook b = BrokerProcess.Brook.start(root, Path.of(settings.get("log.dirs")), log, env, port, overrides);
    return new Server() {
      @Override public boolean alive() {
        return b.alive();
      }

      @Override public long pid() {
        return b.pid();
      }

      @Override public void stop() throws InterruptedException {
        b.stop();
      }
    };
  }

  /**
   * Kafka 4.1.1 with the same settings plus what KRaft needs (roles, node id, a PLAINTEXT controller
   * listener, single-replica internal topics, the server JAAS line Kafka requires for SCRAM), on the
   * anchor's class path and with the anchor script's JVM flags.
   */
  private Server startKafka(Map<String, String> settings, Path dir, Path log) throws Exception {
    Map<String, String> s = new LinkedHashMap<>(settings);
    int controller = BrokerProcess.freePort(false);
    s.put("advertised.listeners", settings.get("listeners"));
    s.put("listeners", settings.get("listeners") + ",CONTROLLER://" + HOST + ":" + controller);
    s.put("listener.security.protocol.map", settings.get("listener.security.protocol.map") + ",CONTROLLER:PLAINTEXT");
    s.put("process.roles", "broker,controller");
    s.put("node.id", "1");
    s.put("controller.quorum.voters", "1@" + HOST + ":" + controller);
    s.put("controller.listener.names", "CONTROLLER");
    s.put("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    s.put("num.partitions", "1");
    s.put("offsets.topic.replication.factor", "1");
    s.put("transaction.state.log.replication.factor", "1");
    s.put("transaction.state.log.min.isr", "1");
    Path properties = dir.resolve("server.properties");
    Properties p = new Properties();
    p.putAll(new TreeMap<>(s));
    try (var w = Files.newBufferedWriter(properties)) {
      p.store(w, "Kafka 4.1.1 for bench/sasl-ssl");
    }
    String cp = Files.readString(env.classpathFile()).trim();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format", "-t",
        Uuid.randomUuid().toString(), "-c", properties.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!format.waitFor(5, TimeUnit.MINUTES) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IOException("kafka-storage format failed; see " + log);
    }
    Process kafka = new ProcessBuilder(java, "-Xmx1G", "-Xms1G", "-XX:+UseG1GC", "-cp", cp, "kafka.Kafka",
        properties.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::destroyForcibly));
    return new Server() {
      @Override public boolean alive() {
        return kafka.isAlive();
      }

      @Override public long pid() {
        return kafka.pid();
      }

      @Override public void stop() throws InterruptedException {
        kafka.destroy();
        if (!kafka.waitFor(60, TimeUnit.SECONDS)) {
          kafka.destroyForcibly();
          kafka.waitFor(10, TimeUnit.SECONDS);
        }
      }
    };
  }

  private void makeCertificates(Path dir) throws Exception {
    Path ca = dir.resolve("ca.p12");
    Path caPem = dir.resolve("ca.pem");
    Path csr = dir.resolve("broker.csr");
    Path cert = dir.resolve("broker.pem");
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Bench CA",
        "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString(), "-keypass", PASSWORD, "-storetype", "PKCS12");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caPem.toString());
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", trustStore.toString());
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-validity", "2", "-keystore", keyStore.toString(), "-keypass", PASSWORD, "-storetype", "PKCS12");
    keytool("-certreq", "-alias", "broker", "-keystore", keyStore.toString(), "-file", csr.toString());
    keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(), "-outfile",
        cert.toString(), "-rfc", "-validity", "2", "-ext", "SAN=dns:localhost,ip:127.0.0.1");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", keyStore.toString());
    keytool("-importcert", "-alias", "broker", "-file", cert.toString(), "-keystore", keyStore.toString());
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storepass", PASSWORD));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + cmd + "\n" + text);
    }
  }

  private void put(String broker, String metric, int round, double v) {
    double[] values = results.computeIfAbsent(broker, k -> new LinkedHashMap<>()).computeIfAbsent(metric, k -> {
      double[] a = new double[rounds];
      Arrays.fill(a, Double.NaN);
      return a;
    });
    values[round] = v;
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double median(double[] values) {
    double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** Median over rounds of the per-round ratio Brook/Kafka of a metric (rounds where both have it). */
  private double ratio(String metric) {
    double[] b = results.getOrDefault(Measurements.BROOK, Map.of()).get(metric);
    double[] k = results.getOrDefault(Measurements.KAFKA, Map.of()).get(metric);
    if (b == null || k == null) {
      return Double.NaN;
    }
    double[] r = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      r[i] = b[i] / k[i];
    }
    return median(r);
  }

  private void summarize() {
    say("");
    say("| metric | " + String.join(" | ", brokers) + " | Brook/Kafka (median of per-round ratios) | per round (Brook / Kafka) |");
    say("|---|" + "---|".repeat(brokers.size()) + "---|---|");
    List<String> metrics = new ArrayList<>();
    for (Map<String, double[]> m : results.values()) {
      for (String k : m.keySet()) {
        if (!metrics.contains(k)) {
          metrics.add(k);
        }
      }
    }
    for (String metric : metrics) {
      StringBuilder row = new StringBuilder("| " + metric + " |");
      StringBuilder perRound = new StringBuilder();
      for (String b : brokers) {
        double[] v = results.getOrDefault(b, Map.of()).get(metric);
        row.append(String.format(" %.2f |", v == null ? Double.NaN : median(v)));
      }
      for (int i = 0; i < rounds; i++) {
        double[] b = results.getOrDefault(Measurements.BROOK, Map.of()).get(metric);
        double[] k = results.getOrDefault(Measurements.KAFKA, Map.of()).get(metric);
        perRound.append(String.format("%s%.1f / %.1f", i == 0 ? "" : "; ", b == null ? Double.NaN : b[i],
            k == null ? Double.NaN : k[i]));
      }
      row.append(String.format(" %.2f | %s |", ratio(metric), perRound));
      say(row.toString());
    }
    double plain = ratio("produce MB/s PLAINTEXT");
    double secure = ratio("produce MB/s SASL_SSL");
    say("");
    say(String.format("produce throughput ratio Brook/Kafka: PLAINTEXT %.2f, SASL_SSL %.2f (target: SASL_SSL >= %.2f): %s",
        plain, secure, plain - 0.2, secure >= plain - 0.2 ? "met" : "NOT met"));
    double plainLoad = ratio("pipelined MB/s PLAINTEXT");
    double secureLoad = ratio("pipelined MB/s SASL_SSL");
    say(String.format("pipelined produce ratio Brook/Kafka (a load generator costing little CPU): PLAINTEXT %.2f, "
        + "SASL_SSL %.2f (target: SASL_SSL >= %.2f): %s", plainLoad, secureLoad, plainLoad - 0.2,
        secureLoad >= plainLoad - 0.2 ? "met" : "NOT met"));
    say(String.format("end-to-end p99 ratio Brook/Kafka (lower is better for Brook): PLAINTEXT %.2f, SASL_SSL %.2f",
        ratio("e2e p99 ms PLAINTEXT"), ratio("e2e p99 ms SASL_SSL")));
    say("finished " + Instant.now() + ", load " + loadAverage());
  }

  private void say(String line) {
    lines.add(line);
    SideBySide.log(line);
  }
}
