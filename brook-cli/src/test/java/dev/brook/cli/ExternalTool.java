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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Black-box clients the integration tests drive: Kafka 4.1.1's own tools through the anchor script
 * ({@code ../shared/anchor/kafka-anchor.sh tool CLASS ARGS}) and kcat. A test that needs one and
 * does not find it is skipped with a message saying what is missing.
 *
 * <p>A tool JVM's start was most of what the tool tests cost: {@code kafka-configs --describe}
 * against a broker took 4.4-5.1 s of CPU on the JVM the script finds on {@code PATH} (JDK 17 here,
 * C2 and G1), 1.3-2.0 s with C1 only, the serial collector and a class archive of its own
 * ({@link ClassArchive}), which every tool now gets through {@code JAVA_TOOL_OPTIONS} (the script
 * passes it through; the JVM's "Picked up JAVA_TOOL_OPTIONS" line is taken off the tool's stderr
 * again). {@code -Dbrook.it.quickTools=false} starts the tools exactly as the script alone does. Each
 * test JVM's tools share an {@code ANCHOR_DIR} of its own ({@link #toolAnchorDir}).
 */
final class ExternalTool {
  private ExternalTool() {}

  private static final String PICKED_UP = "Picked up JAVA_TOOL_OPTIONS:";
  private static final boolean QUICK_TOOLS = !"false".equals(System.getProperty("brook.it.quickTools"));
  private static String anchorClasspath;
  private static Path toolAnchorDir;
  private static AnchorJvm anchorJvm;

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

  /** Whether tool JVMs start quick (C1 only, class archives): unless {@code -Dbrook.it.quickTools=false}. */
  static boolean quickTools() {
    return QUICK_TOOLS;
  }

  /** Runs a Kafka 4.1.1 tool class through the anchor script. */
  static Result anchorTool(String stdin, int timeoutSeconds, String toolClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(anchorScript().toString(), "tool", toolClass));
    cmd.addAll(List.of(args));
    String anchorDir = toolAnchorDir().toString();
    if (!QUICK_TOOLS) return run(cmd, Map.of("ANCHOR_DIR", anchorDir), stdin, timeoutSeconds);
    AnchorJvm jvm = anchorJvm();
    ClassArchive archive = ClassArchive.of("kafka-" + toolClass + "-" + jvm.key(), List.of());
    List<String> options = new ArrayList<>(ClassArchive.QUICK_START);
    options.addAll(archive.options(jvm.feature()));
    Result r = run(cmd, Map.of("ANCHOR_DIR", anchorDir, "JAVA_TOOL_OPTIONS", String.join(" ", options)), stdin,
        timeoutSeconds);
    archive.settle(r.exitCode());
    return r;
  }

  /**
   * Starts a Kafka 4.1.1 tool class through the anchor script as a long-running child (for example
   * MirrorMaker 2 in dedicated mode), with C1 only and the serial collector (no class archive: such a
   * child is killed, never exits by itself); the caller closes it.
   */
  static BrookProcess startAnchorTool(String toolClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(anchorScript().toString(), "tool", toolClass));
    cmd.addAll(List.of(args));
    String anchorDir = toolAnchorDir().toString();
    if (!QUICK_TOOLS) return BrookProcess.command(cmd, Map.of("ANCHOR_DIR", anchorDir));
    return BrookProcess.command(cmd,
        Map.of("ANCHOR_DIR", anchorDir, "JAVA_TOOL_OPTIONS", String.join(" ", ClassArchive.QUICK_START)));
  }

  /**
   * The {@code ANCHOR_DIR} of this JVM's tool runs ({@code target/anchor-tools/<pid>}, the class path
   * seeded): the script rewrites its {@code log4j.properties} at every tool start, which a tool starting
   * at the same moment from another test JVM (or another checkout on the machine, in the shared default
   * {@code /tmp/kafka-anchor}) could read half written.
   */
  private static synchronized Path toolAnchorDir() throws Exception {
    if (toolAnchorDir == null) {
      Path dir = Path.of("target", "anchor-tools", Long.toString(ProcessHandle.current().pid())).toAbsolutePath();
      seedAnchorDir(dir);
      toolAnchorDir = dir;
    }
    return toolAnchorDir;
  }

  /**
   * The anchor's class path ({@code kafka-anchor.sh classpath}), resolved once per JVM and before any
   * tool runs with {@code JAVA_TOOL_OPTIONS}: the script resolves it with Maven the first time, and
   * Maven's JVM must not take the tools' options (nor write their class archive).
   */
  static synchronized String anchorClasspath() throws Exception {
    if (anchorClasspath == null) {
      Result r = run(List.of(anchorScript().toString(), "classpath"), Map.of(), null, 600);
      if (r.exitCode() != 0 || r.stdout().isBlank()) throw new AssertionError("kafka-anchor.sh classpath failed: " + r);
      anchorClasspath = r.stdout();
    }
    return anchorClasspath;
  }

  /**
   * Gives a fresh {@code ANCHOR_DIR} the class path already resolved ({@code cp.txt}, as the script
   * writes it), so the script does not start Maven to resolve it again there.
   */
  static void seedAnchorDir(Path anchorDir) throws Exception {
    Files.createDirectories(anchorDir);
    Files.writeString(anchorDir.resolve("cp.txt"), anchorClasspath(), StandardCharsets.UTF_8);
  }

  /**
   * The JVM the script's {@code java} (the first on {@code PATH}) is: its feature release (from its
   * {@code release} file) and a key naming it and the class path it gets, since a class archive serves
   * only the JVM and the class path it was made with.
   */
  private record AnchorJvm(int feature, String key) {}

  private static synchronized AnchorJvm anchorJvm() throws Exception {
    if (anchorJvm == null) {
      String java = "java";
      int feature = 17; // Kafka 4's tools need 17 at least
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        Path p = Path.of(dir, "java");
        if (Files.isExecutable(p)) {
          Path real = p.toRealPath();
          java = real + "@" + Files.getLastModifiedTime(real).toMillis();
          Path release = real.getParent().getParent().resolve("release");
          if (Files.isReadable(release)) {
            for (String line : Files.readAllLines(release)) {
              if (line.startsWith("JAVA_VERSION=")) {
                String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").replaceFirst("^1\\.", "");
                feature = Integer.parseInt(v.replaceFirst("[^0-9].*", ""));
              }
            }
          }
          break;
        }
      }
      anchorJvm = new AnchorJvm(feature, Integer.toHexString((java + "\n" + anchorClasspath()).hashCode()));
    }
    return anchorJvm;
  }

  static Result kcat(String stdin, int timeoutSeconds, String... args) throws Exception {
    return kcat(Map.of(), stdin, timeoutSeconds, args);
  }

  /** kcat with {@code env} added to this JVM's environment (e.g. another librdkafka: {@link Librdkafka}). */
  static Result kcat(Map<String, String> env, String stdin, int timeoutSeconds, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(kcat()));
    cmd.addAll(List.of(args));
    return run(cmd, env, stdin, timeoutSeconds);
  }

  static Result run(List<String> cmd, String stdin, int timeoutSeconds) throws Exception {
    return run(cmd, Map.of(), stdin, timeoutSeconds);
  }

  /** Runs {@code cmd} with {@code env} added to this JVM's environment. */
  static Result run(List<String> cmd, Map<String, String> env, String stdin, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.start();
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
    return new Result(p.exitValue(), out.text(), withoutPickedUp(err.text()));
  }

  /** {@code stderr} less the line a JVM prints first when {@code JAVA_TOOL_OPTIONS} is set. */
  static String withoutPickedUp(String stderr) {
    if (!stderr.startsWith(PICKED_UP)) return stderr;
    int nl = stderr.indexOf('\n');
    return nl < 0 ? "" : stderr.substring(nl + 1);
  }
}
