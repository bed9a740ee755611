package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Apache Kafka 4.1.1 (KRaft, single node) started through the anchor script with its own
 * {@code ANCHOR_DIR} and free ports, for tests that need Kafka's own files. The test fails (never
 * skips) when the script is missing or Kafka does not start. Every wait is bounded.
 */
final class AnchorKafka implements AutoCloseable {
  private final Path anchorDir;
  private final int port;

  private AnchorKafka(Path anchorDir, int port) {
    this.anchorDir = anchorDir;
    this.port = port;
  }

  /** Starts a fresh Kafka keeping its state in {@code anchorDir} (data in {@code anchorDir/data}). */
  static AnchorKafka start(Path anchorDir) throws Exception {
    Path script = ExternalTool.anchorScript();
    assertThat(script).as("the Kafka anchor script (set BROOK_ANCHOR to its path)").isExecutable();
    int port = freePortPair();
    AnchorKafka kafka = new AnchorKafka(anchorDir, port);
    // The first start in a directory would resolve Kafka's class path with Maven (a Maven JVM, minutes
    // on a busy machine): the directory gets the class path the tools' runs resolved once.
    ExternalTool.seedAnchorDir(anchorDir);
    ExternalTool.Result r = kafka.script(300, "start", Integer.toString(port));
    // The script gives Kafka 60 s to open its port; on a loaded machine it can take minutes, so a
    // Kafka still running gets more time here before the test fails.
    if (r.exitCode() != 0 && !kafka.awaitPort(Duration.ofSeconds(240))) {
      throw new AssertionError("Kafka did not start: " + r + "\n--- kafka.out\n" + kafka.kafkaOut());
    }
    return kafka;
  }

  private boolean awaitPort(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (pid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).isEmpty()) return false;
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    return false;
  }

  private String kafkaOut() {
    try {
      List<String> lines = Files.readAllLines(anchorDir.resolve("kafka.out"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no kafka.out: " + e + ")";
    }
  }

  String bootstrap() {
    return "127.0.0.1:" + port;
  }

  Path dataDir() {
    return anchorDir.resolve("data");
  }

  /**
   * Stops Kafka with SIGTERM and waits (at most 120 s) for it to exit, then checks that it wrote its
   * clean-shutdown marker: the migration starts from a cleanly stopped Kafka. (The script's own stop
   * sends SIGKILL after 10 s, which a loaded machine can reach.)
   */
  void stopCleanly() throws Exception {
    Optional<ProcessHandle> process = pid().flatMap(ProcessHandle::of);
    if (process.isPresent()) {
      process.get().destroy();
      process.get().onExit().get(120, TimeUnit.SECONDS);
    }
    script(60, "stop");
    assertThat(dataDir().resolve(".kafka_cleanshutdown")).as("Kafka's clean-shutdown marker").exists();
  }

  private Optional<Long> pid() throws IOException {
    Path file = anchorDir.resolve("kafka.pid");
    if (!Files.exists(file)) return Optional.empty();
    return Optional.of(Long.parseLong(Files.readString(file).trim()));
  }

  private ExternalTool.Result script(int timeoutSeconds, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(
        java.util.stream.Stream.concat(java.util.stream.Stream.of(ExternalTool.anchorScript().toString()),
            java.util.stream.Stream.of(args)).toList());
    pb.environment().put("ANCHOR_DIR", anchorDir.toString());
    // Kafka's storage tool and broker JVMs with C1 only (the script names their collector, G1): a test
    // broker serves a few thousand records, and C2 compiling its start cost seconds of CPU.
    if (ExternalTool.quickTools()) pb.environment().put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    BrookProcess.Collector out = new BrookProcess.Collector(p.getInputStream());
    BrookProcess.Collector err = new BrookProcess.Collector(p.getErrorStream());
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("kafka-anchor.sh " + List.of(args) + " did not finish within " + timeoutSeconds
          + " s\n" + out.text() + err.text());
    }
    out.joinQuietly();
    err.joinQuietly();
    return new ExternalTool.Result(p.exitValue(), out.text(), err.text());
  }

  /** A port p with p + 1 free as well (the anchor's controller listener). */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int p;
      try (ServerSocket s = new ServerSocket(0)) {
        p = s.getLocalPort();
      }
      try (ServerSocket s = new ServerSocket(p + 1)) {
        return p;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no two adjacent free ports");
  }

  /** Stops Kafka if it still runs (a failed test); never throws. */
  @Override
  public void close() {
    try {
      Optional<ProcessHandle> process = pid().flatMap(ProcessHandle::of);
      process.ifPresent(ProcessHandle::destroyForcibly);
      script(60, "stop");
    } catch (Exception e) {
      System.err.println("could not stop the anchor Kafka in " + anchorDir + ": " + e);
    }
  }
}
