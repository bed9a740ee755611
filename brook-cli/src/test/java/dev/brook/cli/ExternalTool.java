package dev.brook.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.brook.testkit.RawKafkaClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Black-box clients the integration tests drive: Kafka 4.1.1's own tools through the anchor script
 * ({@code ../shared/anchor/kafka-anchor.sh tool CLASS ARGS}) and kcat. A test that needs one and
 * does not find it is skipped with a message saying what is missing.
 */
final class ExternalTool {
  private ExternalTool() {}

  record Result(int exitCode, String stdout, String stderr) {
    List<String> lines() {
      return stdout.isBlank() ? List.of() : List.of(stdout.strip().split("\n"));
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /**
   * The anchor script: {@code $BROOK_ANCHOR}, else {@code ../shared/anchor/kafka-anchor.sh} beside
   * the repository (a clean clone with {@code ../shared} next to it, as CI has it).
   */
  static Path anchorScript() {
    String env = System.getenv("BROOK_ANCHOR");
    if (env != null && !env.isBlank()) return Path.of(env);
    Path repo = Path.of("").toAbsolutePath().getParent(); // Failsafe runs in brook-cli/
    return repo.resolveSibling("shared").resolve("anchor").resolve("kafka-anchor.sh");
  }

  static void assumeAnchor() {
    Path a = anchorScript();
    assumeTrue(Files.isExecutable(a), "Kafka anchor script not found at " + a + " (set BROOK_ANCHOR to its path)");
  }

  /**
   * For the tests that are the proof of a compatibility claim: a missing anchor fails them (on CI as
   * anywhere), it never skips them.
   */
  static void requireAnchor() {
    Path a = anchorScript();
    if (!Files.isExecutable(a)) {
      throw new AssertionError("Kafka anchor script not found at " + a + " (set BROOK_ANCHOR to its path); "
          + "this test proves Kafka's own tools read Brook's data and must not be skipped");
    }
  }

  static void assumeKcat() {
    assumeTrue(kcat() != null, "kcat is not installed (apt-get install kcat); kcat tests skipped");
  }

  static String kcat() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "kcat");
      if (Files.isExecutable(p)) return p.toString();
    }
    return null;
  }

  /**
   * Fails the test unless the broker advertises every one of {@code apis}: a broker that stopped
   * serving an API its users' tools need is a regression, never a reason to skip.
   */
  static void requireServes(String bootstrap, ApiKeys... apis) throws IOException {
    Set<ApiKeys> served = RawKafkaClient.supportedApis(bootstrap);
    List<ApiKeys> missing = Arrays.stream(apis).filter(a -> !served.contains(a)).toList();
    if (!missing.isEmpty()) throw new AssertionError("the broker at " + bootstrap + " does not serve " + missing);
  }

  /** Runs a Kafka 4.1.1 tool class through the anchor script. */
  static Result anchorTool(String stdin, int timeoutSeconds, String toolClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(anchorScript().toString(), "tool", toolClass));
    cmd.addAll(List.of(args));
    return run(cmd, stdin, timeoutSeconds);
  }

  /**
   * Starts a Kafka 4.1.1 tool class through the anchor script as a long-running child (for example
   * MirrorMaker 2 in dedicated mode); the caller closes it.
   */
  static BrookProcess startAnchorTool(String toolClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(anchorScript().toString(), "tool", toolClass));
    cmd.addAll(List.of(args));
    return BrookProcess.command(cmd);
  }

  static Result kcat(String stdin, int timeoutSeconds, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(kcat()));
    cmd.addAll(List.of(args));
    return run(cmd, stdin, timeoutSeconds);
  }

  static Result run(List<String> cmd, String stdin, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).start();
    BrookProcess.Collector out = new BrookProcess.Collector(p.getInputStream());
    BrookProcess.Collector err = new BrookProcess.Collector(p.getErrorStream());
    try (var in = p.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(cmd.get(0) + " " + cmd.subList(1, Math.min(3, cmd.size())) + " did not finish within "
          + timeoutSeconds + " s\n--- stdout\n" + out.text() + "\n--- stderr\n" + err.text());
    }
    out.joinQuietly();
    err.joinQuietly();
    return new Result(p.exitValue(), out.text(), err.text());
  }
}
