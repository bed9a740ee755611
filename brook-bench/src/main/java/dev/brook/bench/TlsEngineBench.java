package dev.brook.bench;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Which TLS engine a Brook listener should use (issue 17): the JDK's {@code SSLEngine} or OpenSSL
 * (BoringSSL through netty-tcnative), by what each costs the broker. Per run, a fresh broker in a JVM
 * of its own with one SSL listener and {@code ssl.engine.provider=jdk|openssl} (so that its CPU,
 * utime + stime from /proc, is the broker's alone, the clients running here):
 *
 * <ol>
 *   <li>produce {@code --mib} MiB over TLS (1 KB records, acks=1, after an unmeasured warm-up), then
 *       consume them all from the beginning: the broker's CPU seconds per GiB each way, and MB/s;
 *   <li>{@code --handshakes} new connections one after another, each a full TLS handshake (a fresh
 *       client context, so no session resumption) and one ApiVersions round trip: the broker's CPU
 *       and the client's wall time per connection.
 * </ol>
 *
 * <p>Engines alternate (JDK first in odd rounds, OpenSSL first in even ones), since other work on
 * the machine drifts; compare CPU, which load shifts less than time. Prints one line per run and the
 * medians; asserts nothing. {@code bench/tls-engine} builds and runs it.
 *
 * <pre>java -cp "brook-bench/target/classes:brook-bench/target/lib/*" dev.brook.bench.TlsEngineBench
 *     [--rounds N] [--mib N] [--handshakes N] [--key rsa|ec]</pre>
 */
public final class TlsEngineBench {
  private static final String PASSWORD = "bench-secret";
  private static final int RECORD = 1000;

  private record Run(String engine, double produceMBs, double produceCpuPerGiB, double consumeMBs,
      double consumeCpuPerGiB, double handshakeWallMs, double handshakeCpuMs, String suite) {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("broker")) {
      brokerMain(args);
      return;
    }
    Map<String, String> opt = options(args);
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
    int mib = Integer.parseInt(opt.getOrDefault("mib", "512"));
    int handshakes = Integer.parseInt(opt.getOrDefault("handshakes", "500"));
    String key = opt.getOrDefault("key", "rsa");
    Path dir = Files.createTempDirectory("brook-tls-bench");
    Path keyStore = certificates(dir, key);
    System.out.printf("TLS engine bench: %d rounds, %d MiB each way, %d handshakes, %s broker key, %d cores, java %s%n",
        rounds, mib, handshakes, key, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    List<Run> runs = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      List<String> order = round % 2 == 1 ? List.of("jdk", "openssl") : List.of("openssl", "jdk");
      for (String engine : order) {
        Run r = run(dir.resolve("r" + round + "-" + engine), keyStore, engine, mib, handshakes);
        runs.add(r);
        System.out.printf("round %d %-7s produce %6.1f MB/s %6.2f broker cpu-s/GiB | consume %6.1f MB/s %6.2f broker cpu-s/GiB"
                + " | handshake %6.2f ms wall %6.2f ms broker cpu per connection | %s%n",
            round, engine, r.produceMBs, r.produceCpuPerGiB, r.consumeMBs, r.consumeCpuPerGiB, r.handshakeWallMs,
            r.handshakeCpuMs, r.suite);
      }
    }
    System.out.println("medians:");
    for (String engine : List.of("jdk", "openssl")) {
      List<Run> mine = runs.stream().filter(r -> r.engine.equals(engine)).toList();
      System.out.printf("  %-7s produce %6.2f cpu-s/GiB (%6.1f MB/s) | consume %6.2f cpu-s/GiB (%6.1f MB/s) | handshake %6.2f ms broker cpu, %6.2f ms wall%n",
          engine, median(mine, Run::produceCpuPerGiB), median(mine, Run::produceMBs), median(mine, Run::consumeCpuPerGiB),
          median(mine, Run::consumeMBs), median(mine, Run::handshakeCpuMs), median(mine, Run::handshakeWallMs));
    }
  }

  private static Run run(Path dir, Path keyStore, String engine, int mib, int handshakes) throws Exception {
    Files.createDirectories(dir);
    List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xms1g", "-Xmx1g",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), TlsEngineBench.class.getName(), "broker", dir.resolve("data").toString(),
        engine, keyStore.toString());
    Process broker = new ProcessBuilder(cmd).redirectError(dir.resolve("broker.log").toFile()).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("PORT ")) {
        throw new IllegalStateException("broker did not start (" + line + "); see " + dir.resolve("broker.log"));
      }
      int port = Integer.parseInt(line.substring(5).trim());
      long pid = broker.pid();
      String bootstrap = "localhost:" + port;
      TrustManager[] trust = trust(keyStore);
      try (Admin admin = Admin.create(client(bootstrap, keyStore))) {
        admin.createTopics(List.of(new NewTopic("tls-bench", 2, (short) 1), new NewTopic("warm-up", 2, (short) 1)))
            .all().get(30, TimeUnit.SECONDS);
      }
      produce(bootstrap, keyStore, "warm-up", Math.min(64, mib));
      consume(bootstrap, keyStore, "warm-up", (long) Math.min(64, mib) * (1 << 20) / RECORD);
      handshakes(port, trust, Math.min(100, handshakes));

      long records = (long) mib * (1 << 20) / RECORD;
      double gib = records * (double) RECORD / (1 << 30);
      double cpu0 = ProcStats.cpuSeconds(pid);
      long t0 = System.nanoTime();
      produce(bootstrap, keyStore, "tls-bench", mib);
      double produceS = (System.nanoTime() - t0) / 1e9;
      double cpu1 = ProcStats.cpuSeconds(pid);
      long t1 = System.nanoTime();
      consume(bootstrap, keyStore, "tls-bench", records);
      double consumeS = (System.nanoTime() - t1) / 1e9;
      double cpu2 = ProcStats.cpuSeconds(pid);
      String suite = handshakes(port, trust, 1)[1];
      double cpu3 = ProcStats.cpuSeconds(pid);
      String[] measured = handshakes(port, trust, handshakes);
      double cpu4 = ProcStats.cpuSeconds(pid);
      double bytes = records * (double) RECORD / 1e6;
      return new Run(engine, bytes / produceS, (cpu1 - cpu0) / gib, bytes / consumeS, (cpu2 - cpu1) / gib,
          Double.parseDouble(measured[0]), (cpu4 - cpu3) * 1000 / handshakes, suite);
    } finally {
      broker.getOutputStream().close(); // the broker closes on end of input
      if (!broker.waitFor(30, TimeUnit.SECONDS)) broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Properties client(String bootstrap, Path keyStore) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SSL");
    p.put("ssl.truststore.location", keyStore.resolveSibling("truststore.p12").toString());
    p.put("ssl.truststore.password", PASSWORD);
    p.put("ssl.truststore.type", "PKCS12");
    return p;
  }

  private static void produce(String bootstrap, Path keyStore, String topic, int mib) throws Exception {
    Properties p = client(bootstrap, keyStore);
    p.put("acks", "1");
    p.put("linger.ms", "5");
    p.put("batch.size", "262144");
    p.put("buffer.memory", "67108864");
    long records = (long) mib * (1 << 20) / RECORD;
    byte[] value = new byte[RECORD];
    new Random(7).nextBytes(value);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < records; i++) producer.send(new ProducerRecord<>(topic, value));
      producer.flush();
    }
  }

  private static void consume(String bootstrap, Path keyStore, String topic, long records) {
    Properties p = client(bootstrap, keyStore);
    p.put("max.partition.fetch.bytes", "4194304");
    p.put("fetch.max.bytes", "16777216");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long seen = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (seen < records) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("consumed " + seen + " of " + records + " in 10 minutes");
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofSeconds(1));
        seen += batch.count();
      }
    }
  }

  /**
   * {@code n} connections, each a full handshake (a new client context: no resumption) and one
   * ApiVersions round trip; returns the median wall time per connection (ms) and the cipher suite.
   */
  private static String[] handshakes(int port, TrustManager[] trust, int n) throws Exception {
    long[] nanos = new long[n];
    String suite = null;
    byte[] clientId = "tls-bench".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, trust, null);
      long t = System.nanoTime();
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
        s.setSoTimeout(30_000);
        s.setTcpNoDelay(true);
        s.startHandshake();
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(10 + clientId.length);
        out.writeShort(18); // ApiVersions v0
        out.writeShort(0);
        out.writeInt(i);
        out.writeShort(clientId.length);
        out.write(clientId);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        in.readFully(new byte[in.readInt()]);
        nanos[i] = System.nanoTime() - t;
        suite = s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
      }
    }
    Arrays.sort(nanos);
    return new String[] {Double.toString(nanos[n / 2] / 1e6), suite};
  }

  private static TrustManager[] trust(Path keyStore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore.resolveSibling("truststore.p12"))) {
      ks.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    return tmf.getTrustManagers();
  }

  /** In the broker's JVM: starts it, prints its port, closes it at the end of standard input. */
  private static void brokerMain(String[] args) throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", args[1]);
    s.put("listeners", "SSL://127.0.0.1:0");
    s.put("ssl.engine.provider", args[2]);
    s.put("ssl.keystore.location", args[3]);
    s.put("ssl.keystore.password", PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("offsets.topic.replication.factor", "1");
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      System.out.println("PORT " + broker.listeners().get(0).port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the end of input
      }
    }
  }

  /** A CA, the broker's key store for localhost signed by it ({@code rsa}: RSA 2048; {@code ec}: P-256), a trust store. */
  private static Path certificates(Path dir, String key) throws Exception {
    List<String> alg = key.equals("ec") ? List.of("-keyalg", "EC", "-groupname", "secp256r1") : List.of("-keyalg", "RSA", "-keysize", "2048");
    Path ca = dir.resolve("ca.p12");
    keytool(dir, concat(List.of("-genkeypair", "-alias", "ca", "-dname", "CN=Bench CA", "-ext", "bc:c", "-validity", "2",
        "-keystore", ca.toString(), "-keypass", PASSWORD, "-storetype", "PKCS12"), alg));
    keytool(dir, List.of("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", "ca.pem"));
    keytool(dir, List.of("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12"));
    Path broker = dir.resolve("broker.p12");
    keytool(dir, concat(List.of("-genkeypair", "-alias", "broker", "-dname", "CN=localhost", "-validity", "2",
        "-keystore", broker.toString(), "-keypass", PASSWORD, "-storetype", "PKCS12"), alg));
    keytool(dir, List.of("-certreq", "-alias", "broker", "-keystore", broker.toString(), "-file", "broker.csr"));
    keytool(dir, List.of("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", "broker.csr", "-outfile", "broker.pem",
        "-rfc", "-validity", "2", "-ext", "SAN=dns:localhost,ip:127.0.0.1"));
    keytool(dir, List.of("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", broker.toString()));
    keytool(dir, List.of("-importcert", "-alias", "broker", "-file", "broker.pem", "-keystore", broker.toString()));
    return broker;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static void keytool(Path dir, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(args);
    cmd.addAll(List.of("-storepass", PASSWORD));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + cmd + "\n" + out);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opt = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
      opt.put(args[i].substring(2), args[i + 1]);
    }
    return opt;
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
