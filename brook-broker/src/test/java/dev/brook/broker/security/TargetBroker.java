package dev.brook.broker.security;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * The broker an integration test runs against, started from Brook's settings: Brook in this JVM
 * (the default), or with {@code -Dbrook.it.target=kafka} Apache Kafka 4.1.1 as a child process
 * (one KRaft node, broker and controller) with the same settings, so that the same assertions check
 * Brook against Kafka rather than against our reading of it.
 *
 * <p>For Kafka the settings are written to a {@code server.properties} as they are, plus only what
 * KRaft itself needs and Brook has no use for: {@code process.roles}, {@code node.id}, a PLAINTEXT
 * {@code CONTROLLER} listener and its quorum, the listeners' ports (a free port for each {@code :0}),
 * {@code inter.broker.listener.name} (the first listener, unless the settings name one), single-replica
 * internal topics, {@code User:ANONYMOUS} added to {@code super.users} when an authorizer is set (the
 * broker reaches its controller as ANONYMOUS over the controller listener, which no test uses), and
 * a server JAAS line for each SCRAM mechanism of a SASL listener that has none (Kafka refuses to
 * start without one; Brook needs none, its SCRAM users are in its metadata store). Kafka's class path
 * comes from the anchor script ({@code $BROOK_ANCHOR}, else {@code ../shared/anchor/kafka-anchor.sh});
 * a missing script fails the test. Not thread-safe: one test thread drives it.
 */
public final class TargetBroker implements AutoCloseable {
  private final Map<String, String> settings;
  private final Path dir;
  private Broker brook;
  private KafkaProcess kafka;

  private TargetBroker(Path dir, Map<String, String> settings) {
    this.dir = dir;
    this.settings = new LinkedHashMap<>(settings);
  }

  /** True when {@code -Dbrook.it.target=kafka}: the tests run against Apache Kafka 4.1.1. */
  public static boolean isKafka() {
    return System.getProperty("brook.it.target", "brook").trim().toLowerCase(Locale.ROOT).equals("kafka");
  }

  /** Starts the target with {@code settings} (Brook's keys; {@code log.dirs} required); Kafka keeps its files in {@code dir}. */
  public static TargetBroker start(Path dir, Map<String, String> settings) throws Exception {
    TargetBroker t = new TargetBroker(dir, settings);
    t.startTarget();
    return t;
  }

  private void startTarget() throws Exception {
    if (isKafka()) {
      if (kafka == null) kafka = new KafkaProcess(dir, settings);
      kafka.start();
    } else {
      brook = Broker.start(BrokerConfig.of(settings));
    }
  }

  /** "Brook" or "Kafka 4.1.1", for messages. */
  public String name() {
    return isKafka() ? "Kafka 4.1.1" : "Brook";
  }

  /** The port of the {@code i}th listener of the settings. */
  public int port(int i) {
    return isKafka() ? kafka.ports.get(i) : brook.listeners().get(i).port();
  }

  /** {@code localhost:port} of the first listener (the host name the test certificates carry). */
  public String bootstrap() {
    return "localhost:" + port(0);
  }

  /** The Brook broker, for the tests that look inside it; fails against Kafka. */
  public Broker brook() {
    if (brook == null) throw new IllegalStateException("running against " + name());
    return brook;
  }

  /** Stops the broker cleanly and starts it again on the same directory (and, for Kafka, the same ports). */
  public void restart() throws Exception {
    stopTarget();
    startTarget();
  }

  private void stopTarget() throws Exception {
    if (brook != null) brook.close();
    brook = null;
    if (kafka != null) kafka.stop();
  }

  @Override
  public void close() throws Exception {
    stopTarget();
  }

  /** Apache Kafka 4.1.1 in a child process, configured from Brook's settings as described above. */
  private static final class KafkaProcess {
    private final Path home;
    private final Map<String, String> settings;
    private final List<Integer> ports = new ArrayList<>();
    private Process process;

    KafkaProcess(Path dir, Map<String, String> brookSettings) throws IOException {
      this.home = Files.createDirectories(dir.resolve("kafka-4.1.1"));
      this.settings = kafkaSettings(brookSettings);
    }

    private Map<String, String> kafkaSettings(Map<String, String> brook) throws IOException {
      Map<String, String> s = new LinkedHashMap<>(brook);
      List<String> listeners = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (String text : brook.get("listeners").split(",")) {
        Listener l = Listener.parse("listeners", text);
        int port = l.port() == 0 ? freePort() : l.port();
        ports.add(port);
        names.add(l.name());
        listeners.add(l.name() + "://" + l.host() + ":" + port);
      }
      int controller = freePort();
      s.put("advertised.listeners", String.join(",", listeners));
      listeners.add("CONTROLLER://127.0.0.1:" + controller);
      s.put("listeners", String.join(",", listeners));
      s.put("process.roles", "broker,controller");
      s.put("node.id", "1");
      s.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
      s.put("controller.listener.names", "CONTROLLER");
      String map = brook.getOrDefault("listener.security.protocol.map",
          String.join(",", names.stream().map(n -> n + ":" + n).toList()));
      s.put("listener.security.protocol.map", map + ",CONTROLLER:PLAINTEXT");
      if (!brook.containsKey("inter.broker.listener.name") && !brook.containsKey("security.inter.broker.protocol")) {
        s.put("inter.broker.listener.name", names.get(0));
      }
      s.putIfAbsent("offsets.topic.replication.factor", "1");
      s.putIfAbsent("transaction.state.log.replication.factor", "1");
      s.putIfAbsent("transaction.state.log.min.isr", "1");
      s.putIfAbsent("group.initial.rebalance.delay.ms", "0");
      if (brook.containsKey("authorizer.class.name")) {
        String supers = brook.getOrDefault("super.users", "");
        s.put("super.users", supers.isBlank() ? "User:ANONYMOUS" : supers + ";User:ANONYMOUS");
      }
      for (String name : names) {
        String protocol = protocolOf(map, name);
        if (!protocol.startsWith("SASL_")) continue;
        for (String mechanism : brook.getOrDefault("sasl.enabled.mechanisms", "GSSAPI").split(",")) {
          String m = mechanism.trim().toLowerCase(Locale.ROOT);
          String key = "listener.name." + name.toLowerCase(Locale.ROOT) + "." + m + ".sasl.jaas.config";
          if (m.startsWith("scram-")) s.putIfAbsent(key, "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
      }
      return s;
    }

    private static String protocolOf(String map, String listenerName) {
      for (String entry : map.split(",")) {
        String[] kv = entry.trim().split(":");
        if (kv[0].equalsIgnoreCase(listenerName)) return kv[1].toUpperCase(Locale.ROOT);
      }
      return listenerName.toUpperCase(Locale.ROOT);
    }

    void start() throws Exception {
      Path properties = home.resolve("server.properties");
      StringBuilder text = new StringBuilder();
      settings.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
      Files.writeString(properties, text, StandardCharsets.UTF_8);
      String classpath = classpath();
      Path logDir = Path.of(settings.get("log.dirs").split(",")[0]);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        run(List.of(java(), "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
            "-c", properties.toString()), home.resolve("format.out"), 300);
      }
      Path log4j = home.resolve("log4j.properties"); // Kafka's warnings and errors (why it stopped) to kafka.out
      Files.writeString(log4j, String.join("\n", "log4j.rootLogger=WARN, stdout",
          "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
          "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
          "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n", ""));
      ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx768m", "-XX:+UseG1GC", "-Dlog4j.configuration=file:" + log4j,
          "-cp", classpath, "kafka.Kafka", properties.toString());
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("kafka.out").toFile()));
      process = pb.start();
      Process started = process;
      Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly)); // never outlive the test JVM
      // A loaded machine can take minutes to start Kafka: wait for every listener, bounded.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      for (int port : ports) {
        while (!accepts(port)) {
          if (!process.isAlive() || System.nanoTime() > deadline) {
            process.destroyForcibly();
            throw new AssertionError("Kafka 4.1.1 did not open port " + port + "; its output:\n" + tail(home.resolve("kafka.out")));
          }
          Thread.sleep(200);
        }
      }
    }

    void stop() throws Exception {
      if (process == null) return;
      process.destroy(); // SIGTERM: Kafka shuts down cleanly
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
      process = null;
    }

    private static boolean accepts(int port) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        return false;
      }
    }

    private static String java() {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Kafka 4.1.1's class path, as the anchor script resolves it (cached in one directory for all runs). */
    private static synchronized String classpath() throws Exception {
      Path cache = Path.of(System.getProperty("java.io.tmpdir"), "brook-target-kafka-" + System.getProperty("user.name"));
      Files.createDirectories(cache);
      Path script = anchorScript();
      if (!Files.isExecutable(script)) {
        throw new AssertionError("Kafka anchor script not found at " + script + " (set BROOK_ANCHOR to its path); "
            + "-Dbrook.it.target=kafka needs it");
      }
      ProcessBuilder pb = new ProcessBuilder(script.toString(), "classpath");
      pb.environment().put("ANCHOR_DIR", cache.toString());
      Path out = cache.resolve("classpath.out");
      pb.redirectErrorStream(false).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new AssertionError("kafka-anchor.sh classpath failed");
      }
      return Files.readString(out).trim();
    }

    static Path anchorScript() {
      String env = System.getenv("BROOK_ANCHOR");
      if (env != null && !env.isBlank()) return Path.of(env);
      Path repo = Path.of("").toAbsolutePath().getParent(); // Failsafe runs in the module's directory
      return repo.resolveSibling("shared").resolve("anchor").resolve("kafka-anchor.sh");
    }

    private static void run(List<String> cmd, Path output, int timeoutSeconds) throws Exception {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(cmd + " did not finish within " + timeoutSeconds + " s");
      }
      if (p.exitValue() != 0) throw new AssertionError(cmd + " failed:\n" + tail(output));
    }

    private static String tail(Path file) {
      try {
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
      } catch (IOException e) {
        return "(" + e + ")";
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket s = new ServerSocket(0)) {
        return s.getLocalPort();
      }
    }
  }
}
