package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.brook.cli.clients.JavaClientScenario;
import dev.brook.cli.clients.SpringKafkaScenario;
import dev.brook.cli.clients.StreamsScenario;
import dev.brook.testkit.BrookTestBroker;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * One scenario — produce (idempotent and transactional, one transaction aborted), consume in a group
 * read_committed, commit, the commit seen by the next member — with every generation of client a
 * user may have pinned, against one broker for the class. Each Java client version runs {@link
 * JavaClientScenario} in a child JVM whose class path holds only that version of kafka-clients (put in
 * {@code target/clients/} by the build, maven-dependency-plugin execution {@code client-generations}).
 * The native clients are Debian's (installed by {@code .ci/run}): on CI ({@code CI=true}) a missing one
 * fails its test; elsewhere it is skipped with the package to install.
 */
class ClientGenerationsIT {
  static BrookTestBroker broker;

  @BeforeAll
  static void start() {
    broker = BrookTestBroker.start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) broker.close();
  }

  @ParameterizedTest(name = "kafka-clients {0}")
  @ValueSource(strings = {"2.8.2", "3.9.1", "4.1.1", "4.4.0"})
  void javaClient(String version) throws Exception {
    Path jar = Path.of("target", "clients", "kafka-clients-" + version + ".jar").toAbsolutePath();
    assertThat(jar).as("resolved by the build (pre-integration-test)").isRegularFile();
    String topic = "java-" + version;
    broker.createTopic(topic, 3);
    String classPath = String.join(File.pathSeparator, testClasses().toString(), jar.toString(), slf4jApi().toString());
    List<String> cmd = new ArrayList<>(List.of(BrookProcess.java(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", classPath, JavaClientScenario.class.getName(), broker.bootstrapServers(), topic));
    ExternalTool.Result r = ExternalTool.run(cmd, null, 120);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.lines()).as(r.toString()).last().isEqualTo("OK " + version);
  }

  /** Kafka Streams with exactly_once_v2, with the kafka-clients of the same release beside it. */
  @ParameterizedTest(name = "kafka-streams {0}")
  @ValueSource(strings = {"3.9.1", "4.1.1"})
  void kafkaStreams(String version) throws Exception {
    Path streams = Path.of("target", "clients", "kafka-streams-" + version + ".jar").toAbsolutePath();
    Path clients = Path.of("target", "clients", "kafka-clients-" + version + ".jar").toAbsolutePath();
    assertThat(streams).as("resolved by the build (pre-integration-test)").isRegularFile();
    assertThat(clients).as("resolved by the build (pre-integration-test)").isRegularFile();
    String in = "streams-in-" + version;
    String out = "streams-out-" + version;
    broker.createTopic(in, 2);
    broker.createTopic(out, 2);
    String classPath = String.join(File.pathSeparator, testClasses().toString(), streams.toString(), clients.toString(),
        slf4jApi().toString());
    List<String> cmd = new ArrayList<>(List.of(BrookProcess.java(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", classPath, StreamsScenario.class.getName(), broker.bootstrapServers(), in, out));
    ExternalTool.Result r = ExternalTool.run(cmd, null, 150);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.lines()).as(r.toString()).last().isEqualTo("OK " + version);
  }

  /** Spring Kafka's template and listener container, with the kafka-clients each release depends on. */
  @ParameterizedTest(name = "spring-kafka {0}")
  @ValueSource(strings = {"3.3.16", "4.2.0"})
  void springKafka(String version) throws Exception {
    Path dir = Path.of("target", "clients", "spring-kafka-" + version).toAbsolutePath();
    assertThat(dir.resolve("spring-kafka-" + version + ".jar")).as("resolved by the build (pre-integration-test)").isRegularFile();
    String topic = "spring-" + version;
    broker.createTopic(topic, 3);
    String classPath = String.join(File.pathSeparator, testClasses().toString(), dir + File.separator + "*",
        slf4jApi().toString());
    List<String> cmd = new ArrayList<>(List.of(BrookProcess.java(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", classPath, SpringKafkaScenario.class.getName(), broker.bootstrapServers(), topic));
    ExternalTool.Result r = ExternalTool.run(cmd, null, 150);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.lines()).as(r.toString()).last().isEqualTo("OK " + version);
  }

  @Test
  void confluentKafkaPython() throws Exception {
    requireTool(pythonHas("confluent_kafka"), "confluent-kafka-python", "python3-confluent-kafka");
    runPython("confluent_scenario.py", "confluent");
  }

  @Test
  void kafkaPython() throws Exception {
    requireTool(pythonHas("kafka"), "kafka-python", "python3-kafka");
    runPython("kafka_python_scenario.py", "kafka-python");
  }

  @Test
  void kcatProducesAndConsumesInAGroup() throws Exception {
    requireTool(ExternalTool.kcat() != null, "kcat", "kcat");
    String topic = "kcat-gen";
    broker.createTopic(topic, 2);
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < 10; i++) in.append("k").append(i).append(":v").append(i).append('\n');
    ExternalTool.Result p = ExternalTool.kcat(in.toString(), 60, "-b", broker.bootstrapServers(), "-t", topic, "-P", "-K", ":",
        "-X", "enable.idempotence=true");
    assertThat(p.exitCode()).as(p.toString()).isZero();
    // Balanced consumer (-G): joins the group, reads 10, commits (librdkafka's auto-commit on close).
    ExternalTool.Result c = ExternalTool.kcat(null, 90, "-b", broker.bootstrapServers(), "-G", "kcat-group", topic,
        "-X", "auto.offset.reset=earliest", "-c", "10", "-q", "-f", "%k=%s\\n");
    assertThat(c.exitCode()).as(c.toString()).isZero();
    assertThat(c.lines()).as(c.toString()).hasSize(10).contains("k0=v0", "k9=v9");
    ExternalTool.Result again = ExternalTool.kcat(null, 60, "-b", broker.bootstrapServers(), "-G", "kcat-group", topic,
        "-e", "-q", "-f", "%k=%s\\n");
    assertThat(again.lines()).as("the group's committed offsets are at the end: " + again).isEmpty();
  }

  /**
   * Go's sarama, built here from Debian's packaged sources (golang-github-shopify-sarama-dev, with
   * golang-go), offline: GOPATH=/usr/share/gocode, no modules, no proxy.
   */
  @Test
  void goSarama() throws Exception {
    Path go = Path.of("/usr/bin/go");
    Path sarama = Path.of("/usr/share/gocode/src/github.com/Shopify/sarama");
    requireTool(Files.isExecutable(go) && Files.isDirectory(sarama), "Go with sarama's sources",
        "golang-go golang-github-shopify-sarama-dev");
    Path src = Path.of("src", "test", "go", "sarama-scenario", "main.go").toAbsolutePath();
    Path binary = Path.of("target", "go", "sarama-scenario").toAbsolutePath();
    List<String> build = List.of("/usr/bin/env", "GOPATH=/usr/share/gocode", "GO111MODULE=off", "GOFLAGS=", "GOPROXY=off",
        "GOCACHE=" + Path.of("target", "go", "cache").toAbsolutePath(), go.toString(), "build",
        "-o", binary.toString(), src.toString());
    ExternalTool.Result b = ExternalTool.run(build, null, 600);
    assertThat(b.exitCode()).as(b.toString()).isZero();
    String topic = "go-sarama";
    broker.createTopic(topic, 3);
    ExternalTool.Result r = ExternalTool.run(List.of(binary.toString(), broker.bootstrapServers(), topic), null, 120);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.lines()).as(r.toString()).last().isEqualTo("OK sarama");
  }

  private void runPython(String script, String topicPrefix) throws Exception {
    Path file = Path.of("target", "test-classes", "clients", script).toAbsolutePath();
    String topic = topicPrefix + "-gen";
    broker.createTopic(topic, 3);
    ExternalTool.Result r = ExternalTool.run(List.of(PYTHON, file.toString(), broker.bootstrapServers(), topic), null, 120);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.lines()).as(r.toString()).last().asString().startsWith("OK ");
  }

  /** Debian's Python, where the python3-* packages install (not a pyenv or venv one on PATH). */
  static final String PYTHON = "/usr/bin/python3";

  static boolean pythonHas(String module) throws Exception {
    if (!Files.isExecutable(Path.of(PYTHON))) return false;
    return ExternalTool.run(List.of(PYTHON, "-c", "import " + module), null, 60).exitCode() == 0;
  }

  /** Present, or: on CI a failure (nothing passes by being skipped), elsewhere a skip saying what to install. */
  static void requireTool(boolean present, String what, String debianPackage) {
    if (present) return;
    String message = what + " is not installed (Debian package " + debianPackage + "; .ci/run installs it)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message + "; CI must not skip it");
    assumeTrue(false, message);
  }

  static Path testClasses() {
    return Path.of("target", "test-classes").toAbsolutePath();
  }

  /** kafka-clients' one required dependency, from this JVM's class path (2.x on 1.7 callers works). */
  static Path slf4jApi() throws Exception {
    return Path.of(LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
