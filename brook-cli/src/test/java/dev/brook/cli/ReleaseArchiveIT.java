package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive ({@code target/brook-<version>.tar.gz}, made by {@code mvn package}) as a user
 * gets it: unpacked into an empty directory and run through its own {@code bin/brook} with an
 * environment that has a Java runtime and basic shell tools but no Maven, no {@code javac} and no
 * source tree. One unpacked copy serves the whole class; its first server start trains the AOT cache
 * (JDK 25+) into the archive's {@code cache/}, as a user's first start does.
 */
class ReleaseArchiveIT {
  /** The commands bin/brook and bin/lib/find-java.sh run: all a minimal machine needs besides java. */
  private static final List<String> SHELL_TOOLS =
      List.of("bash", "dirname", "readlink", "ls", "sort", "mkdir", "mktemp", "tail", "rm", "mv", "sed", "head", "cat");

  @TempDir static Path tmp;
  static Path home;
  static Map<String, String> env;

  @BeforeAll
  static void unpack() throws Exception {
    Path archive = archive("tar.gz");
    run(List.of("tar", "-xzf", archive.toString(), "-C", tmp.toString()));
    home = tmp.resolve("brook-" + BrookVersion.get());
    env = jreOnlyEnvironment(tmp.resolve("machine"));
  }

  static Path archive(String ext) {
    Path p = Path.of("target", "brook-" + BrookVersion.get() + "." + ext).toAbsolutePath();
    if (!Files.isRegularFile(p)) throw new IllegalStateException(p + " is missing: mvn package makes it");
    return p;
  }

  /**
   * PATH holds only links to {@link #SHELL_TOOLS}; JAVA_HOME a directory with {@code bin/java} (a link
   * to the JVM running the tests) and its {@code release} file, and no {@code javac}: a JRE.
   */
  static Map<String, String> jreOnlyEnvironment(Path machine) throws IOException {
    Path bin = Files.createDirectories(machine.resolve("bin"));
    for (String tool : SHELL_TOOLS) {
      Path real = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
          .orElseThrow(() -> new IllegalStateException(tool + " not found in /usr/bin or /bin"));
      Files.createSymbolicLink(bin.resolve(tool), real);
    }
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path jre = Files.createDirectories(machine.resolve("jre-" + Runtime.version().feature()));
    Files.createDirectories(jre.resolve("bin"));
    Files.createSymbolicLink(jre.resolve("bin/java"), javaHome.resolve("bin/java"));
    Files.copy(javaHome.resolve("release"), jre.resolve("release"));
    Map<String, String> e = new HashMap<>();
    e.put("PATH", bin.toString());
    e.put("HOME", machine.toString());
    e.put("JAVA_HOME", jre.toString());
    return e;
  }

  @Test
  void theMachineHasNoMavenAndNoCompiler() {
    for (String dir : env.get("PATH").split(":")) {
      assertThat(Path.of(dir, "mvn")).doesNotExist();
      assertThat(Path.of(dir, "javac")).doesNotExist();
    }
    assertThat(Path.of(env.get("JAVA_HOME"), "bin", "javac")).doesNotExist();
    assertThat(home.resolve("pom.xml")).doesNotExist();
  }

  @Test
  void theArchiveHoldsWhatAnOperatorNeeds() throws Exception {
    for (String f : List.of("bin/brook", "bin/brook.cmd", "bin/lib/find-java.sh", "lib/brook.jar", "config/server.properties",
        "config/logging.properties", "config/systemd/brook.service", "LICENSE", "NOTICE")) {
      assertThat(home.resolve(f)).as(f).isRegularFile();
    }
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/brook"))).contains(PosixFilePermission.OWNER_EXECUTE);
    String notice = Files.readString(home.resolve("NOTICE"));
    try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
      for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
        String name = jar.getFileName().toString();
        if (name.equals("brook.jar") || name.startsWith("brook-")) continue;
        // NOTICE names each bundled library (a family of jars may share a row): its artifact id.
        String artifact = name.replaceFirst("-\\d.*$", "");
        assertThat(notice).as("NOTICE names the bundled " + name).contains(artifact);
      }
    }
    assertThat(zipEntries()).isEqualTo(tarEntries());
  }

  @Test
  void versionNamesTheCommitAndBuildDate() throws Exception {
    try (BrookProcess p = BrookProcess.launch(env, List.of(home.resolve("bin/brook").toString(), "--version"))) {
      assertThat(p.waitFor(60)).isZero();
      assertThat(p.stdout().strip())
          .matches("Brook " + BrookVersion.get().replace(".", "\\.")
              + " \\(commit [0-9a-f]{7,}, built \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\\)");
    }
  }

  @Test
  void serverFromTheArchiveServesAProduceConsumeRoundTrip() throws Exception {
    Path data = tmp.resolve("data");
    try (BrookProcess brook = BrookProcess.launch(env, List.of(home.resolve("bin/brook").toString(), "server",
        "--config", home.resolve("config/server.properties").toString(),
        "--override", "log.dirs=" + data, "--override", "listeners=PLAINTEXT://127.0.0.1:0",
        "--override", "group.initial.rebalance.delay.ms=0"))) {
      // The first start trains the AOT cache (several seconds on a loaded machine) before it starts.
      String bootstrap = "127.0.0.1:" + brook.awaitReady(240).group(2);
      Clients.createTopic(bootstrap, "release", 2);
      Clients.produce(bootstrap, "release", 0, 20);
      List<ConsumerRecord<String, String>> got = Clients.readAll(bootstrap, "release", 20);
      assertThat(got).extracting(ConsumerRecord::value).hasSize(20).contains("value-0", "value-19");
      assertThat(brook.terminate()).as("exit code after SIGTERM; stderr:\n%s", brook.stderr()).isZero();
      assertThat(brook.stderr()).doesNotContain("WARNING", "Exception");
    }
    assertThat(Files.readString(data.resolve("meta.properties"))).contains("brook.format.version=2");
    // The server's GC log, rotating, in the archive's logs/ (it is writable here).
    assertThat(Files.readString(home.resolve("logs/brook-gc.log"))).contains("Using ", "Heap Max Capacity: 1G");
    if (Runtime.version().feature() >= 25) {
      try (Stream<Path> cache = Files.list(home.resolve("cache"))) {
        assertThat(cache.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("brook-server-") && n.endsWith(".aot"));
      }
    }
  }

  @Test
  void aDataDirectoryInANewerFormatStopsTheServerWithOneLine() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("newer"));
    Path meta = data.resolve("meta.properties");
    Files.writeString(meta, "#Written by Brook when this log directory was first used; do not edit.\n"
        + "brook.coordinator.record.format=kafka\nbrook.format.version=3\ncluster.id=c\nnode.id=1\nversion=1\n");
    try (BrookProcess brook = BrookProcess.launch(env, List.of(home.resolve("bin/brook").toString(), "server",
        "--override", "log.dirs=" + data, "--override", "listeners=PLAINTEXT://127.0.0.1:0"))) {
      assertThat(brook.waitFor(240)).isEqualTo(2);
      List<String> lines = brook.stderr().lines().filter(l -> !l.startsWith("brook: training")).toList();
      assertThat(lines).singleElement().asString()
          .startsWith("brook: log.dirs: " + meta)
          .contains("brook.format.version=3", "up to 2");
    }
  }

  /** The files (not directories) of each archive: the two formats list directories differently. */
  private static Set<String> tarEntries() throws Exception {
    return new TreeSet<>(run(List.of("tar", "-tzf", archive("tar.gz").toString())).lines()
        .filter(n -> !n.endsWith("/")).toList());
  }

  private static Set<String> zipEntries() throws IOException {
    Set<String> names = new TreeSet<>();
    try (ZipFile zip = new ZipFile(archive("zip").toFile())) {
      zip.stream().filter(e -> !e.isDirectory()).forEach(e -> names.add(e.getName()));
    }
    return names;
  }

  private static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(cmd + " did not finish within 120 s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + text);
    return text;
  }
}
